#include "services/peer_manager/discovery_driver.h"

#include <utility>

#include "common/proto/proto_time.h"
#include "common/status/grpc_status.h"
#include "services/peer_manager/peer_convert.h"
#include "spdlog/spdlog.h"

namespace datamgmt::peer_manager {
namespace {

void SetDeadline(grpc::ClientContext& ctx, absl::Duration timeout) {
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

// The contact result of a PeerDialer answer for `address`.
template <typename Response>
ContactResult ResultOf(const std::string& address, const Response& response,
                       absl::Time observed_at) {
  ContactResult result;
  result.address = address;
  result.success = response.success();
  if (response.success()) {
    result.node_id = response.node_id();
    if (response.has_rtt())
      result.rtt = CheckedFromProtoDuration(response.rtt());
  }
  result.observed_at = observed_at;
  return result;
}

}  // namespace

absl::Status DiscoveryDriverOptions::Validate() const {
  if (rpc_timeout <= absl::ZeroDuration() ||
      rpc_timeout == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("rpc_timeout must be positive");
  }
  return exchange.Validate();
}

DiscoveryDriver::DiscoveryDriver(PeerStore& store,
                                 dht::v1::PeerDialer::StubInterface& dialer,
                                 const Clock& clock,
                                 DiscoveryDriverOptions options)
    : store_(store),
      dialer_(dialer),
      clock_(clock),
      options_(std::move(options)) {}

absl::Time DiscoveryDriver::Tick(absl::Time now) {
  if (store_.Due(now).bootstrap) {
    if (bootstrapped_once_ && store_.Stats(now).total == 0) {
      spdlog::info("re-bootstrap: no known peers left; asking the {} bootstrap "
                   "peer(s) again",
                   options_.bootstrap_peers.size());
    }
    bootstrapped_once_ = true;
    store_.OnBootstrapStarted(now);
    const BootstrapOutcome outcome = Bootstrap();
    if (outcome == BootstrapOutcome::kDialerUnavailable) {
      spdlog::info("bootstrap: dht-service not reachable yet; retrying soon");
      store_.OnBootstrapDeferred(clock_.Now());
    } else {
      store_.OnBootstrapFinished(outcome == BootstrapOutcome::kAnswered,
                                 clock_.Now(), gen_);
    }
  }
  if (store_.Due(now).exchange) {
    store_.OnExchangeStarted(now);
    Exchange(now);
  }
  if (absl::Status s = store_.SaveIfDue(clock_.Now()); !s.ok()) {
    spdlog::error("cannot save known peers: {}", s.ToString());
  }
  return store_.NextWakeup(clock_.Now());
}

void DiscoveryDriver::DropSelf(const std::string& address) {
  spdlog::warn("{} is this node itself; dropping it", address);
  absl::StatusOr<PeerRecord> removed =
      store_.Remove(address, std::nullopt, clock_.Now());
  if (removed.ok()) (void)store_.Save(clock_.Now());
}

DiscoveryDriver::BootstrapOutcome DiscoveryDriver::Bootstrap() {
  bool any_answered = false;
  bool dialer_reached = false;
  std::vector<ContactResult> results;
  for (const net::PeerAddress& peer : options_.bootstrap_peers) {
    const std::string address = peer.ToString();
    spdlog::info("bootstrap: pinging {}", address);
    dht::v1::PingPeerRequest request;
    request.set_address(address);
    *request.mutable_timeout() = ToProtoDuration(options_.rpc_timeout);
    dht::v1::PingPeerResponse response;
    grpc::ClientContext ctx;
    SetDeadline(ctx, options_.rpc_timeout);
    const grpc::Status status = dialer_.PingPeer(&ctx, request, &response);
    if (!status.ok()) {
      spdlog::warn("bootstrap: cannot ask dht-service to ping {}: {}", address,
                   FromGrpcStatus(status).ToString());
      continue;
    }
    dialer_reached = true;
    if (response.is_self()) {
      DropSelf(address);
      continue;
    }
    if (response.success()) {
      any_answered = true;
      spdlog::info("bootstrap: {} answered (node {})", address,
                   response.node_id());
    } else {
      spdlog::warn("bootstrap: {} did not answer: {}", address,
                   response.error().message());
    }
    results.push_back(ResultOf(address, response, clock_.Now()));
  }
  if (!results.empty()) {
    absl::StatusOr<RecordContactsOutcome> out =
        store_.RecordContacts(results, clock_.Now());
    if (!out.ok()) spdlog::error("bootstrap: {}", out.status().ToString());
  }
  if (any_answered) return BootstrapOutcome::kAnswered;
  if (!dialer_reached && !options_.bootstrap_peers.empty()) {
    return BootstrapOutcome::kDialerUnavailable;
  }
  if (!options_.bootstrap_peers.empty()) {
    spdlog::warn("bootstrap: no bootstrap peer answered");
  }
  return BootstrapOutcome::kNoAnswer;
}

void DiscoveryDriver::Exchange(absl::Time now) {
  const std::vector<PeerView> healthy = store_.List(/*healthy_only=*/true, now);
  const std::vector<std::string> targets =
      ChooseExchangeTargets(healthy, options_.exchange, gen_);
  spdlog::info("peer exchange: {} healthy peers, exchanging with {}",
               healthy.size(), targets.size());
  for (const std::string& target : targets) ExchangeWith(target, healthy);
}

void DiscoveryDriver::ExchangeWith(const std::string& target,
                                   const std::vector<PeerView>& healthy) {
  dht::v1::ExchangePeersRequest request;
  request.set_address(target);
  for (const PeerHint& hint :
       ChooseSharedHints(healthy, target, options_.exchange)) {
    *request.add_share() = HintToProto(hint);
  }
  *request.mutable_timeout() = ToProtoDuration(options_.rpc_timeout);
  dht::v1::ExchangePeersResponse response;
  grpc::ClientContext ctx;
  SetDeadline(ctx, options_.rpc_timeout);
  const grpc::Status status = dialer_.ExchangePeers(&ctx, request, &response);
  if (!status.ok()) {
    spdlog::warn(
        "peer exchange: cannot ask dht-service to exchange with {}: {}", target,
        FromGrpcStatus(status).ToString());
    return;
  }
  if (response.is_self()) {
    DropSelf(target);
    return;
  }
  const ContactResult result = ResultOf(target, response, clock_.Now());
  if (absl::StatusOr<RecordContactsOutcome> out =
          store_.RecordContacts({result}, clock_.Now());
      !out.ok()) {
    spdlog::error("peer exchange: {}", out.status().ToString());
  }
  if (response.received_size() > 0) {
    absl::StatusOr<MergeOutcome> merged =
        store_.MergeHints(HintsFromProto(response.received()), clock_.Now());
    if (merged.ok()) {
      spdlog::info("peer exchange with {}: received {}, {} new", target,
                   response.received_size(), merged->added);
    } else {
      spdlog::error("peer exchange with {}: {}", target,
                    merged.status().ToString());
    }
  }
  if (!response.success()) {
    spdlog::warn("peer exchange with {} failed: {}", target,
                 response.error().message());
  }
}

}  // namespace datamgmt::peer_manager
