#include "services/dht/standing_reporter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "common/proto/proto_time.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {
namespace {

struct Call {
  grpc::ClientContext ctx;
  peers::v1::ReportPeerStandingsRequest request;
  peers::v1::ReportPeerStandingsResponse response;
};

}  // namespace

absl::Status StandingReporterOptions::Validate() const {
  if (refresh_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("refresh_interval must be positive");
  }
  if (retry_delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("retry_delay must be positive");
  }
  if (rpc_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("rpc_timeout must be positive");
  }
  if (max_standings < 1 || max_standings > 1000) {
    return absl::InvalidArgumentError("max_standings must be in 1..1000");
  }
  return absl::OkStatus();
}

peers::v1::PeerStanding StandingToProto(const PeerStanding& standing) {
  peers::v1::PeerStanding out;
  out.set_address(standing.address);
  if (standing.id.has_value()) out.set_node_id(standing.id->ToHex());
  out.set_source_ip(standing.source);
  out.set_score(standing.score);
  if (standing.banned_until.has_value()) {
    *out.mutable_banned_until() = ToProtoTimestamp(*standing.banned_until);
    out.set_ban_reason(standing.reason);
  }
  return out;
}

absl::StatusOr<std::unique_ptr<StandingReporter>> StandingReporter::Create(
    peers::v1::PeerManager::StubInterface& stub, const PeerGuard& guard,
    Clock& clock, StandingReporterOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<StandingReporter>(
      new StandingReporter(stub, guard, clock, std::move(options)));
}

StandingReporter::StandingReporter(peers::v1::PeerManager::StubInterface& stub,
                                   const PeerGuard& guard, Clock& clock,
                                   StandingReporterOptions options)
    : stub_(stub), guard_(guard), clock_(clock), options_(std::move(options)) {}

StandingReporter::~StandingReporter() { WaitIdle(); }

void StandingReporter::WaitIdle() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](bool* in_flight) { return !*in_flight; }, &in_flight_));
}

uint64_t StandingReporter::reports_sent() const {
  absl::MutexLock lock(&mu_);
  return sent_;
}

void StandingReporter::Changed() {
  {
    absl::MutexLock lock(&mu_);
    dirty_ = true;
  }
  MaybeSend(clock_.Now());
}

absl::Time StandingReporter::Flush(absl::Time now) {
  MaybeSend(now);
  absl::MutexLock lock(&mu_);
  if (in_flight_) return now + options_.retry_delay;
  if (dirty_) return std::max(now, not_before_);
  return last_nonempty_ ? std::max(now, next_refresh_)
                        : absl::InfiniteFuture();
}

void StandingReporter::MaybeSend(absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    if (in_flight_ || now < not_before_) return;
    if (!dirty_ && !(last_nonempty_ && now >= next_refresh_)) return;
    dirty_ = false;
    in_flight_ = true;
  }
  Send();
}

void StandingReporter::Send() {
  auto call = std::make_shared<Call>();
  for (const PeerStanding& standing :
       guard_.Standings(options_.max_standings)) {
    *call->request.add_standings() = StandingToProto(standing);
  }
  call->ctx.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
  stub_.async()->ReportPeerStandings(
      &call->ctx, &call->request, &call->response,
      [this, call](grpc::Status status) mutable {
        // Done with the call: free it (and its ClientContext) before the
        // reporter may count as idle and be destroyed.
        const int sent = call->request.standings_size();
        call.reset();
        if (!status.ok()) {
          spdlog::debug("ReportPeerStandings to peer-manager failed: {}",
                        status.error_message());
        }
        const absl::Time done = clock_.Now();
        bool again = false;
        {
          absl::MutexLock lock(&mu_);
          if (status.ok()) {
            ++sent_;
            last_nonempty_ = sent > 0;
            next_refresh_ = done + options_.refresh_interval;
            // A ban began while this call was in flight: send again, still
            // in flight (so WaitIdle waits for that call too).
            again = dirty_;
            dirty_ = false;
          } else {
            dirty_ = true;
            not_before_ = done + options_.retry_delay;
          }
          in_flight_ = again;
        }
        if (again) Send();
      });
}

}  // namespace datamgmt::dht
