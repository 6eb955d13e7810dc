#include "services/health_monitor/health_checker.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto/proto_time.h"
#include "spdlog/spdlog.h"

namespace datamgmt::health {
namespace {

using peers::v1::ContactResult;

constexpr int kMaxBatch = 1000;  // peers.proto's RecordContacts limit
constexpr absl::Duration kPingSlack = absl::Seconds(1);

void SetDeadline(grpc::ClientContext& ctx, absl::Duration timeout) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

template <typename Req, typename Resp>
struct Call {
  grpc::ClientContext ctx;
  Req request;
  Resp response;
};

// Items [next, total) started at most `limit` at a time.
struct Fanout {
  size_t next = 0;
  size_t total = 0;
  int in_flight = 0;
  bool Done() const { return next >= total && in_flight == 0; }
};

}  // namespace

absl::Status HealthCheckerOptions::Validate() const {
  if (absl::Status s = round.Validate(); !s.ok()) return s;
  if (ping_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ping_timeout must be positive");
  }
  if (max_concurrent_pings < 1) {
    return absl::InvalidArgumentError("max_concurrent_pings must be >= 1");
  }
  if (rpc_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("rpc_timeout must be positive");
  }
  return absl::OkStatus();
}

// One round's state machine: list, ping, record, prune. Owned by the
// callbacks of its calls (shared_ptr). Thread-safe.
class Round : public std::enable_shared_from_this<Round> {
 public:
  Round(HealthChecker& checker, bool manual,
        absl::AnyInvocable<void(RoundResult)> done)
      : c_(checker), done_(std::move(done)) {
    result_.manual = manual;
    result_.started_at = c_.clock_.Now();
  }

  void Start() {
    auto call = std::make_shared<
        Call<peers::v1::ListPeersRequest, peers::v1::ListPeersResponse>>();
    SetDeadline(call->ctx, c_.options_.rpc_timeout);
    c_.peer_manager_.async()->ListPeers(
        &call->ctx, &call->request, &call->response,
        [self = shared_from_this(), call](grpc::Status s) {
          self->OnListed(s, call->response);
        });
  }

 private:
  struct Removal {
    std::string address;
    double last_seen_before;
  };

  void OnListed(const grpc::Status& s,
                const peers::v1::ListPeersResponse& response) {
    if (!s.ok()) {
      Fail(absl::StrCat("peer-manager ListPeers failed: ", s.error_message()));
      Finish();
      return;
    }
    std::vector<PeerSnapshot> peers;
    for (const peers::v1::Peer& p : response.peers()) {
      peers.push_back(
          {.address = p.address(),
           .stats = {
               .last_seen = FromUnixSecondsDouble(p.last_seen()),
               .success_count = static_cast<int64_t>(p.success_count()),
               .failure_count = static_cast<int64_t>(p.failure_count())}});
    }
    {
      absl::MutexLock lock(&mu_);
      result_.checked = static_cast<uint32_t>(peers.size());
      plan_ = PlanRound(peers, result_.started_at, c_.options_.round);
      pings_.total = plan_.pings.size();
    }
    PumpPings();
  }

  void PumpPings() {
    std::vector<size_t> start;
    bool done = false;
    {
      absl::MutexLock lock(&mu_);
      if (aborted_) pings_.next = pings_.total;
      while (pings_.next < pings_.total &&
             pings_.in_flight < c_.options_.max_concurrent_pings) {
        start.push_back(pings_.next++);
        ++pings_.in_flight;
      }
      done = pings_.Done() && !pings_finished_;
      if (done) pings_finished_ = true;
    }
    for (size_t i : start) Ping(i);
    if (done) Record();
  }

  void Ping(size_t i) {
    auto call = std::make_shared<
        Call<dht::v1::PingPeerRequest, dht::v1::PingPeerResponse>>();
    call->request.set_address(plan_.pings[i].address);
    *call->request.mutable_timeout() =
        ToProtoDuration(c_.options_.ping_timeout);
    SetDeadline(call->ctx, c_.options_.ping_timeout + kPingSlack);
    c_.dialer_.async()->PingPeer(
        &call->ctx, &call->request, &call->response,
        [self = shared_from_this(), call, i](grpc::Status s) {
          self->OnPinged(i, s, call->response);
          self->PumpPings();
        });
  }

  void OnPinged(size_t i, const grpc::Status& s,
                const dht::v1::PingPeerResponse& r) {
    const PlannedPing& peer = plan_.pings[i];
    const absl::Time observed = c_.clock_.Now();
    absl::MutexLock lock(&mu_);
    --pings_.in_flight;
    if (!s.ok() && s.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
      FailLocked(
          absl::StrCat("dht-service PingPeer failed: ", s.error_message()));
      aborted_ = true;
      return;
    }
    ++result_.pinged;
    if (s.ok() && r.is_self()) {
      removals_.push_back(
          Removal{.address = peer.address, .last_seen_before = 0.0});
      return;
    }
    ContactResult contact;
    contact.set_address(peer.address);
    contact.set_source(peers::v1::PEER_SOURCE_HEALTH_CHECK);
    *contact.mutable_observed_at() = ToProtoTimestamp(observed);
    if (s.ok() && r.success()) {
      contact.set_success(true);
      contact.set_node_id(r.node_id());
      *contact.mutable_rtt() = r.rtt();
    } else {
      ++result_.failed;
      if (s.ok()) {
        *contact.mutable_error() = r.error();
      } else {
        contact.mutable_error()->set_code(s.error_code());
        contact.mutable_error()->set_message(
            absl::StrCat("PingPeer: ", s.error_message()));
      }
      if (peer.dead) {
        removals_.push_back(Removal{
            .address = peer.address,
            .last_seen_before = ToUnixSecondsDouble(plan_.prune_before)});
      }
    }
    contacts_.push_back(std::move(contact));
  }

  // Sends the contact results, kMaxBatch at a time (one batch normally).
  void Record() {
    std::shared_ptr<Call<peers::v1::RecordContactsRequest,
                         peers::v1::RecordContactsResponse>>
        call;
    {
      absl::MutexLock lock(&mu_);
      if (recorded_ < contacts_.size()) {
        call = std::make_shared<Call<peers::v1::RecordContactsRequest,
                                     peers::v1::RecordContactsResponse>>();
        const size_t end =
            std::min(contacts_.size(), recorded_ + size_t{kMaxBatch});
        for (; recorded_ < end; ++recorded_) {
          *call->request.add_results() = contacts_[recorded_];
        }
      } else {
        if (aborted_) removals_.clear();  // an aborted round prunes nothing
        removes_.total = removals_.size();
      }
    }
    if (call == nullptr) {
      PumpRemovals();
      return;
    }
    SetDeadline(call->ctx, c_.options_.rpc_timeout);
    c_.peer_manager_.async()->RecordContacts(
        &call->ctx, &call->request, &call->response,
        [self = shared_from_this(), call](grpc::Status s) {
          if (!s.ok()) {
            self->Fail(absl::StrCat("peer-manager RecordContacts failed: ",
                                    s.error_message()));
          }
          self->Record();
        });
  }

  void PumpRemovals() {
    std::vector<size_t> start;
    bool done = false;
    {
      absl::MutexLock lock(&mu_);
      while (removes_.next < removes_.total &&
             removes_.in_flight < c_.options_.max_concurrent_pings) {
        start.push_back(removes_.next++);
        ++removes_.in_flight;
      }
      done = removes_.Done() && !removes_finished_;
      if (done) removes_finished_ = true;
    }
    for (size_t i : start) Remove(i);
    if (done) Finish();
  }

  void Remove(size_t i) {
    auto call = std::make_shared<
        Call<peers::v1::RemovePeerRequest, google::protobuf::Empty>>();
    call->request.set_address(removals_[i].address);
    call->request.set_last_seen_before(removals_[i].last_seen_before);
    SetDeadline(call->ctx, c_.options_.rpc_timeout);
    c_.peer_manager_.async()->RemovePeer(
        &call->ctx, &call->request, &call->response,
        [self = shared_from_this(), call, i](grpc::Status s) {
          self->OnRemoved(i, s);
          self->PumpRemovals();
        });
  }

  void OnRemoved(size_t i, const grpc::Status& s) {
    absl::MutexLock lock(&mu_);
    --removes_.in_flight;
    if (s.ok()) {
      ++result_.pruned;
      result_.pruned_addresses.push_back(removals_[i].address);
    } else if (s.error_code() != grpc::StatusCode::FAILED_PRECONDITION &&
               s.error_code() != grpc::StatusCode::NOT_FOUND) {
      FailLocked(absl::StrCat("peer-manager RemovePeer(", removals_[i].address,
                              ") failed: ", s.error_message()));
    }
  }

  void Fail(const std::string& message) {
    absl::MutexLock lock(&mu_);
    FailLocked(message);
  }
  void FailLocked(const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    spdlog::warn("health round: {}", message);
    if (result_.error.ok()) result_.error = absl::UnavailableError(message);
  }

  void Finish() {
    RoundResult result;
    {
      absl::MutexLock lock(&mu_);
      result_.duration = c_.clock_.Now() - result_.started_at;
      result = result_;
    }
    done_(std::move(result));
    c_.RoundEnded();  // the last use of the checker
  }

  HealthChecker& c_;
  absl::AnyInvocable<void(RoundResult)> done_;
  absl::Mutex mu_;
  RoundResult result_ ABSL_GUARDED_BY(mu_);
  // Written once in OnListed before any ping starts; read-only after.
  RoundPlan plan_;
  Fanout pings_ ABSL_GUARDED_BY(mu_);
  bool pings_finished_ ABSL_GUARDED_BY(mu_) = false;
  bool aborted_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<ContactResult> contacts_ ABSL_GUARDED_BY(mu_);
  size_t recorded_ ABSL_GUARDED_BY(mu_) = 0;
  // Filled while pinging; read-only once removes_.total is set.
  std::vector<Removal> removals_;
  Fanout removes_ ABSL_GUARDED_BY(mu_);
  bool removes_finished_ ABSL_GUARDED_BY(mu_) = false;
};

HealthChecker::HealthChecker(peers::v1::PeerManager::StubInterface& pm,
                             dht::v1::PeerDialer::StubInterface& dialer,
                             Clock& clock, HealthCheckerOptions options)
    : peer_manager_(pm),
      dialer_(dialer),
      clock_(clock),
      options_(std::move(options)) {}

HealthChecker::~HealthChecker() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &rounds_in_flight_));
}

void HealthChecker::Run(bool manual,
                        absl::AnyInvocable<void(RoundResult)> done) {
  {
    absl::MutexLock lock(&mu_);
    ++rounds_in_flight_;
  }
  std::make_shared<Round>(*this, manual, std::move(done))->Start();
}

void HealthChecker::RoundEnded() {
  absl::MutexLock lock(&mu_);
  --rounds_in_flight_;
}

}  // namespace datamgmt::health
