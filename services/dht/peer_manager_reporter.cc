#include "services/dht/peer_manager_reporter.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto/proto_time.h"
#include "services/dht/peer_client.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {
namespace {

// One RPC to peer-manager, alive until its completion.
template <typename Req, typename Resp>
struct Call {
  grpc::ClientContext ctx;
  Req request;
  Resp response;
};

peers::v1::ContactResult ToProto(const ContactReport& report) {
  peers::v1::ContactResult out;
  out.set_address(report.address);
  out.set_success(report.status.ok());
  out.set_source(peers::v1::PEER_SOURCE_DHT);
  if (report.status.ok()) {
    if (report.node_id.has_value()) out.set_node_id(report.node_id->ToHex());
    *out.mutable_rtt() = ToProtoDuration(report.rtt);
  } else {
    out.mutable_error()->set_code(static_cast<int>(report.status.code()));
    out.mutable_error()->set_message(std::string(report.status.message()));
  }
  if (report.observed_at != absl::InfinitePast()) {
    *out.mutable_observed_at() = ToProtoTimestamp(report.observed_at);
  }
  return out;
}

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration d) {
  return absl::ToChronoTime(absl::Now() + d);
}

}  // namespace

absl::Status PeerManagerReporterOptions::Validate() const {
  if (max_batch < 1 || max_batch > 1000) {
    return absl::InvalidArgumentError("max_batch must be in 1..1000");
  }
  if (max_queue < max_batch) {
    return absl::InvalidArgumentError("max_queue must be at least max_batch");
  }
  if (max_pending_senders < 1 || max_pending_senders > 1000) {
    return absl::InvalidArgumentError("max_pending_senders must be in 1..1000");
  }
  if (sender_ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("sender_ttl must not be negative");
  }
  if (flush_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("flush_interval must be positive");
  }
  if (rpc_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("rpc_timeout must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PeerManagerReporter>>
PeerManagerReporter::Create(peers::v1::PeerManager::StubInterface& stub,
                            Clock& clock, PeerManagerReporterOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<PeerManagerReporter>(
      new PeerManagerReporter(stub, clock, std::move(options)));
}

PeerManagerReporter::PeerManagerReporter(
    peers::v1::PeerManager::StubInterface& stub, Clock& clock,
    PeerManagerReporterOptions options)
    : stub_(stub), clock_(clock), options_(std::move(options)) {
  const absl::Time now = clock_.Now();
  results_due_ = now + options_.flush_interval;
  senders_due_ = now + options_.flush_interval;
}

PeerManagerReporter::~PeerManagerReporter() { WaitIdle(); }

void PeerManagerReporter::WaitIdle() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](PeerManagerReporterStats* s) { return s->in_flight == 0; }, &stats_));
}

PeerManagerReporterStats PeerManagerReporter::stats() const {
  absl::MutexLock lock(&mu_);
  PeerManagerReporterStats out = stats_;
  out.queued_results = results_.size();
  out.queued_senders = senders_.size();
  return out;
}

void PeerManagerReporter::TrimQueue() {
  while (results_.size() > options_.max_queue) {
    results_.pop_front();
    ++stats_.dropped;
  }
}

void PeerManagerReporter::OnContactResult(const ContactReport& report) {
  // Dialling ourselves says nothing about a peer.
  if (IsDialledSelf(report.status)) return;
  peers::v1::ContactResult result = ToProto(report);
  bool full = false;
  {
    absl::MutexLock lock(&mu_);
    results_.push_back(std::move(result));
    TrimQueue();
    full = results_.size() >= options_.max_batch;
  }
  if (full) MaybeSendResults(clock_.Now(), /*force=*/false);
}

void PeerManagerReporter::OnInboundSender(const kademlia::Contact& sender) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  auto merged = merged_.find(sender.address);
  if (merged != merged_.end() && now - merged->second < options_.sender_ttl) {
    return;
  }
  auto pending = senders_.find(sender.address);
  if (pending != senders_.end()) {
    pending->second.set_node_id(sender.id.ToHex());
    return;
  }
  if (senders_.size() >= options_.max_pending_senders) {
    ++stats_.dropped;
    return;
  }
  types::v1::PeerHint hint;
  hint.set_address(sender.address);
  hint.set_node_id(sender.id.ToHex());
  hint.set_last_seen(absl::ToDoubleSeconds(now - absl::UnixEpoch()));
  senders_.emplace(sender.address, std::move(hint));
}

absl::Time PeerManagerReporter::Flush(absl::Time now) {
  const bool force = now == absl::InfiniteFuture();
  const absl::Time at = force ? clock_.Now() : now;
  MaybeSendResults(at, force);
  MaybeSendSenders(at, force);
  absl::MutexLock lock(&mu_);
  const absl::Time idle = at + options_.flush_interval;
  const absl::Time results_next = results_.empty() || results_in_flight_
                                      ? idle
                                      : std::max(results_due_, at);
  const absl::Time senders_next = senders_.empty() || senders_in_flight_
                                      ? idle
                                      : std::max(senders_due_, at);
  return std::min(results_next, senders_next);
}

void PeerManagerReporter::MaybeSendResults(absl::Time now, bool force) {
  using RecordCall =
      Call<peers::v1::RecordContactsRequest, peers::v1::RecordContactsResponse>;
  auto call = std::make_shared<RecordCall>();
  {
    absl::MutexLock lock(&mu_);
    if (results_in_flight_ || results_.empty()) return;
    // A full queue goes at once, unless the last send failed: then it
    // waits for the retry time like everything else.
    const bool full = results_.size() >= options_.max_batch;
    if (!force && now < results_due_ && !(full && !last_results_failed_)) {
      return;
    }
    const size_t n = std::min(results_.size(), options_.max_batch);
    for (size_t i = 0; i < n; ++i) {
      *call->request.add_results() = std::move(results_.front());
      results_.pop_front();
    }
    results_in_flight_ = true;
    results_due_ = now + options_.flush_interval;
    ++stats_.in_flight;
  }
  call->ctx.set_deadline(DeadlineAfter(options_.rpc_timeout));
  stub_.async()->RecordContacts(
      &call->ctx, &call->request, &call->response,
      [this, call](grpc::Status status) {
        {
          absl::MutexLock lock(&mu_);
          results_in_flight_ = false;
          last_results_failed_ = !status.ok();
          if (status.ok()) {
            stats_.results_sent += call->request.results_size();
          } else {
            ++stats_.failed_rpcs;
            auto& sent = *call->request.mutable_results();
            for (int i = sent.size() - 1; i >= 0; --i) {
              results_.push_front(std::move(sent[i]));
            }
            TrimQueue();
            results_due_ = clock_.Now() + options_.flush_interval;
          }
        }
        if (!status.ok()) {
          spdlog::debug("RecordContacts to peer-manager failed: {}",
                        status.error_message());
        }
        Done();
      });
}

void PeerManagerReporter::MaybeSendSenders(absl::Time now, bool force) {
  using MergeCall =
      Call<peers::v1::MergePeersRequest, peers::v1::MergePeersResponse>;
  auto call = std::make_shared<MergeCall>();
  {
    absl::MutexLock lock(&mu_);
    if (senders_in_flight_ || senders_.empty()) return;
    if (!force && now < senders_due_) return;
    call->request.set_source(peers::v1::PEER_SOURCE_INBOUND);
    for (auto& [address, hint] : senders_) {
      *call->request.add_peers() = std::move(hint);
      merged_[address] = now;
    }
    senders_.clear();
    // Forget merges older than the TTL so the map stays bounded by traffic.
    if (merged_.size() > 10 * options_.max_pending_senders) {
      absl::erase_if(merged_, [&](const auto& entry) {
        return now - entry.second >= options_.sender_ttl;
      });
    }
    senders_in_flight_ = true;
    senders_due_ = now + options_.flush_interval;
    ++stats_.in_flight;
  }
  call->ctx.set_deadline(DeadlineAfter(options_.rpc_timeout));
  stub_.async()->MergePeers(
      &call->ctx, &call->request, &call->response,
      [this, call](grpc::Status status) {
        {
          absl::MutexLock lock(&mu_);
          senders_in_flight_ = false;
          if (status.ok()) {
            stats_.senders_sent += call->request.peers_size();
          } else {
            // Hints are second-hand and repeat with traffic: not retried,
            // but they may be merged again as soon as they are seen.
            ++stats_.failed_rpcs;
            stats_.dropped += call->request.peers_size();
            for (const types::v1::PeerHint& hint : call->request.peers()) {
              merged_.erase(hint.address());
            }
          }
        }
        Done();
      });
}

void PeerManagerReporter::Done() {
  absl::MutexLock lock(&mu_);
  --stats_.in_flight;
}

}  // namespace datamgmt::dht
