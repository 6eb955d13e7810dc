#include "services/dht/peer_dialer_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/net/peer_address.h"
#include "services/dht/owned_reactor.h"
#include "services/dht/p2p_convert.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;

class DialReactor final : public OwnedReactor<grpc::ServerUnaryReactor> {};

constexpr absl::Duration kMaxDialTimeout = absl::Seconds(60);
constexpr absl::Duration kDefaultPingTimeout = absl::Seconds(5);
constexpr absl::Duration kDefaultExchangeTimeout = absl::Seconds(10);

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out->set_seconds(nanos / 1'000'000'000);
  out->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
}

void SetError(const absl::Status& status, google::rpc::Status* out) {
  out->set_code(static_cast<int>(status.code()));
  out->set_message(std::string(status.message()));
}

absl::Time CallerDeadline(const grpc::CallbackServerContext& ctx) {
  const auto deadline = ctx.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) {
    return absl::InfiniteFuture();
  }
  return absl::FromChrono(deadline);
}

bool IsNode(const PeerEntry& entry, const Contact& node) {
  return (entry.node_id.has_value() && *entry.node_id == node.id) ||
         IsAtAddress(entry, node.address);
}

}  // namespace

absl::StatusOr<absl::Duration> DialTimeout(
    const google::protobuf::Duration& requested, absl::Duration fallback,
    absl::Time now, absl::Time caller_deadline) {
  if (requested.seconds() < 0 || requested.nanos() < 0 ||
      requested.nanos() >= 1'000'000'000) {
    return absl::InvalidArgumentError(
        "timeout must be a non-negative duration");
  }
  absl::Duration timeout =
      absl::Seconds(requested.seconds()) + absl::Nanoseconds(requested.nanos());
  if (timeout == absl::ZeroDuration()) timeout = fallback;
  timeout = std::min(timeout, kMaxDialTimeout);
  if (caller_deadline <= now) {
    return absl::DeadlineExceededError("the caller's deadline has passed");
  }
  return std::min(timeout, caller_deadline - now);
}

absl::StatusOr<std::unique_ptr<PeerDialerService>> PeerDialerService::Create(
    PeerDialerDeps deps) {
  if (deps.self == nullptr || deps.client == nullptr ||
      deps.learner == nullptr) {
    return absl::InvalidArgumentError(
        "PeerDialerService needs self, client and learner");
  }
  return std::unique_ptr<PeerDialerService>(new PeerDialerService(deps));
}

grpc::ServerUnaryReactor* PeerDialerService::PingPeer(
    grpc::CallbackServerContext* ctx, const dht::v1::PingPeerRequest* request,
    dht::v1::PingPeerResponse* response) {
  auto* reactor = new DialReactor();
  absl::StatusOr<absl::Duration> timeout =
      DialTimeout(request->timeout(), kDefaultPingTimeout, absl::Now(),
                  CallerDeadline(*ctx));
  absl::Status valid = net::ValidatePeerAddress(request->address());
  if (!valid.ok() || !timeout.ok()) {
    reactor->FinishWith(!valid.ok() ? valid : timeout.status());
    return reactor;
  }
  reactor->Ref();
  deps_.client->Ping(
      request->address(), {.timeout = *timeout, .report_result = false},
      [this, reactor, response](absl::StatusOr<PingReply> reply) {
        if (reply.ok()) deps_.learner->Learn(reply->responder).IgnoreError();
        reactor->FinishWith(absl::OkStatus(), [&] {
          if (reply.ok()) {
            response->set_success(true);
            response->set_node_id(reply->responder.id.ToHex());
            response->set_advertised_address(reply->responder.address);
            SetDuration(reply->rtt, response->mutable_rtt());
            return;
          }
          SetError(reply.status(), response->mutable_error());
          if (IsDialledSelf(reply.status())) {
            const Contact self = deps_.self->Get();
            response->set_is_self(true);
            response->set_node_id(self.id.ToHex());
            response->set_advertised_address(self.address);
          }
        });
        reactor->Unref();
      });
  return reactor;
}

grpc::ServerUnaryReactor* PeerDialerService::ExchangePeers(
    grpc::CallbackServerContext* ctx,
    const dht::v1::ExchangePeersRequest* request,
    dht::v1::ExchangePeersResponse* response) {
  auto* reactor = new DialReactor();
  absl::StatusOr<absl::Duration> timeout =
      DialTimeout(request->timeout(), kDefaultExchangeTimeout, absl::Now(),
                  CallerDeadline(*ctx));
  absl::Status valid = net::ValidatePeerAddress(request->address());
  if (valid.ok() && !timeout.ok()) valid = timeout.status();
  if (valid.ok() && request->share_size() > static_cast<int>(kMaxPeerEntries)) {
    valid = absl::ResourceExhaustedError(
        absl::StrCat("share carries at most ", kMaxPeerEntries, " peers, got ",
                     request->share_size()));
  }
  if (!valid.ok()) {
    reactor->FinishWith(valid);
    return reactor;
  }
  const uint32_t max_peers =
      request->max_peers() == 0
          ? kMaxPeerEntries
          : std::min<uint32_t>(request->max_peers(), kMaxPeerEntries);
  std::vector<PeerEntry> share;
  for (const types::v1::PeerHint& hint : request->share()) {
    absl::StatusOr<PeerEntry> entry = PeerEntryFromHint(hint);
    if (entry.ok()) share.push_back(*std::move(entry));
  }
  const std::string address = request->address();
  const CallOptions options{.timeout = *timeout, .report_result = false};
  reactor->Ref();
  deps_.client->GetPeers(
      address, max_peers, options,
      [this, reactor, response, address, options,
       share = std::move(share)](absl::StatusOr<GetPeersReply> got) mutable {
        const Contact self = deps_.self->Get();
        if (!got.ok()) {
          reactor->FinishWith(absl::OkStatus(), [&] {
            SetError(got.status(), response->mutable_error());
            if (IsDialledSelf(got.status())) response->set_is_self(true);
          });
          reactor->Unref();
          return;
        }
        deps_.learner->Learn(got->responder).IgnoreError();
        const Contact remote = got->responder;
        std::erase_if(share, [&](const PeerEntry& e) {
          return IsNode(e, self) || IsNode(e, remote) ||
                 IsAtAddress(e, address);
        });
        // Filled now: `received` stands even if SharePeers then fails.
        reactor->RunIfActive([&] {
          response->set_node_id(remote.id.ToHex());
          response->set_advertised_address(remote.address);
          SetDuration(got->rtt, response->mutable_rtt());
          for (const PeerEntry& entry : got->peers) {
            if (IsNode(entry, self)) continue;
            *response->add_received() = PeerEntryToHint(entry);
          }
        });
        deps_.client->SharePeers(
            address, std::move(share), options,
            [reactor, response](absl::StatusOr<SharePeersReply> shared) {
              reactor->FinishWith(absl::OkStatus(), [&] {
                if (shared.ok()) {
                  response->set_success(true);
                  response->set_remote_added(shared->added);
                } else {
                  SetError(shared.status(), response->mutable_error());
                }
              });
              reactor->Unref();
            });
      });
  return reactor;
}

}  // namespace datamgmt::dht
