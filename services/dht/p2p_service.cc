#include "services/dht/p2p_service.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/peer_tls.h"
#include "common/status/grpc_status.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;

absl::Status P2pServiceOptions::Validate() const {
  if (k < 1) return absl::InvalidArgumentError("k must be at least 1");
  if (max_value_bytes < 1) {
    return absl::InvalidArgumentError("max_value_bytes must be at least 1");
  }
  if (peer_manager_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("peer_manager_timeout must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<P2pService>> P2pService::Create(
    P2pServiceDeps deps, P2pServiceOptions options) {
  if (deps.self == nullptr || deps.routing == nullptr ||
      deps.learner == nullptr || deps.store == nullptr ||
      deps.stats == nullptr || deps.clock == nullptr) {
    return absl::InvalidArgumentError(
        "P2pService needs self, routing, learner, store, stats and clock");
  }
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<P2pService>(
      new P2pService(std::move(deps), std::move(options)));
}

P2pService::P2pService(P2pServiceDeps deps, P2pServiceOptions options)
    : deps_(std::move(deps)), options_(std::move(options)) {}

void P2pService::Complete(grpc::ServerUnaryReactor* reactor, P2pMethod method,
                          size_t request_bytes,
                          google::protobuf::Message* response,
                          p2p::v1::Contact* responder,
                          const absl::Status& status) const {
  if (status.ok()) {
    *responder = ContactToProto(deps_.self->Get());
  } else {
    response->Clear();
  }
  deps_.stats->RecordInbound(method, request_bytes,
                             status.ok() ? response->ByteSizeLong() : 0,
                             status.ok());
  reactor->Finish(ToGrpcStatus(status));
}

absl::StatusOr<Contact> P2pService::AcceptSender(
    const grpc::CallbackServerContext& ctx, const p2p::v1::Contact& proto) {
  std::string source;
  if (deps_.guard != nullptr) {
    source = deps_.guard->SourceOf(ctx.peer());
    if (absl::Status s = deps_.guard->AdmitSource(source); !s.ok()) return s;
  }
  absl::StatusOr<Contact> sender = ContactFromProto(proto, "sender");
  if (!sender.ok()) {
    if (deps_.guard != nullptr) {
      deps_.guard->Penalize({.source = source},
                            abuse::Offense::kMalformedMessage,
                            sender.status().message());
    }
    return sender.status();
  }
  // A claim that is not the certificate's is refused before it is scored:
  // charging it to the claimed ID would let anyone get that ID banned.
  if (deps_.authenticator != nullptr) {
    const std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
    absl::Status bound = deps_.authenticator->Check(
        auth != nullptr ? PeerCertificatePem(*auth) : std::nullopt,
        sender->id, "sender");
    if (!bound.ok()) {
      spdlog::debug("refused a request from {} ({}): {}", ctx.peer(),
                    sender->address, std::string(bound.message()));
      return bound;
    }
  }
  if (deps_.guard != nullptr) {
    if (absl::Status s = deps_.guard->AdmitSender(*sender, source); !s.ok()) {
      return s;
    }
  }
  absl::Status learned = deps_.learner->Learn(*sender);
  if (learned.code() == absl::StatusCode::kFailedPrecondition) {
    return sender;  // our own ID: answered, never learned
  }
  if (!learned.ok()) return learned;
  if (deps_.observer != nullptr) deps_.observer->OnInboundSender(*sender);
  return sender;
}

std::vector<Contact> P2pService::ClosestFor(const NodeId& target,
                                            const NodeId& requester) const {
  const size_t k = static_cast<size_t>(options_.k);
  std::vector<Contact> closest = deps_.routing->Closest(target, k + 1);
  std::erase_if(closest, [&](const Contact& c) { return c.id == requester; });
  if (closest.size() > k) closest.resize(k);
  return closest;
}

void P2pService::Penalize(const grpc::CallbackServerContext& ctx,
                          const Contact& sender, abuse::Offense offense,
                          const absl::Status& status) {
  if (deps_.guard == nullptr) return;
  deps_.guard->Penalize({.id = sender.id,
                         .address = sender.address,
                         .source = deps_.guard->SourceOf(ctx.peer())},
                        offense, status.message());
}

absl::Status P2pService::Malformed(const grpc::CallbackServerContext& ctx,
                                   const Contact& sender,
                                   absl::Status status) {
  Penalize(ctx, sender, abuse::Offense::kMalformedMessage, status);
  return status;
}

bool P2pService::Banned(const PeerEntry& entry) const {
  return deps_.guard != nullptr &&
         deps_.guard->IsBannedPeer(entry.node_id, entry.host);
}

void P2pService::ChargeSender(const grpc::CallbackServerContext& ctx,
                              const Contact& sender, P2pMethod method,
                              const absl::Status& status,
                              abuse::Offense offense) {
  Penalize(ctx, sender, offense, status);
  deps_.routing->MarkFailed(sender.id);
  if (deps_.observer == nullptr) return;
  deps_.observer->OnContactResult(
      ContactReport{.address = sender.address,
                    .node_id = sender.id,
                    .method = method,
                    .status = status,
                    .observed_at = deps_.clock->Now()});
}

grpc::ServerUnaryReactor* P2pService::Ping(grpc::CallbackServerContext* ctx,
                                           const p2p::v1::PingRequest* request,
                                           p2p::v1::PingResponse* response) {
  const absl::Status status = AcceptSender(*ctx, request->sender()).status();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Complete(reactor, P2pMethod::kPing, request->ByteSizeLong(), response,
           response->mutable_responder(), status);
  return reactor;
}

grpc::ServerUnaryReactor* P2pService::FindNode(
    grpc::CallbackServerContext* ctx, const p2p::v1::FindNodeRequest* request,
    p2p::v1::FindNodeResponse* response) {
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<Contact> sender = AcceptSender(*ctx, request->sender());
    if (!sender.ok()) return sender.status();
    absl::StatusOr<NodeId> target = IdFromProto(request->target(), "target");
    if (!target.ok()) return Malformed(*ctx, *sender, target.status());
    for (const Contact& c : ClosestFor(*target, sender->id)) {
      *response->add_contacts() = ContactToProto(c);
    }
    return absl::OkStatus();
  }();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Complete(reactor, P2pMethod::kFindNode, request->ByteSizeLong(), response,
           response->mutable_responder(), status);
  return reactor;
}

grpc::ServerUnaryReactor* P2pService::FindValue(
    grpc::CallbackServerContext* ctx, const p2p::v1::FindValueRequest* request,
    p2p::v1::FindValueResponse* response) {
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<Contact> sender = AcceptSender(*ctx, request->sender());
    if (!sender.ok()) return sender.status();
    absl::StatusOr<NodeId> key = IdFromProto(request->key(), "key");
    if (!key.ok()) return Malformed(*ctx, *sender, key.status());
    absl::StatusOr<std::string> value = deps_.store->Get(*key);
    if (value.ok() && !value->empty()) {
      response->set_value(*std::move(value));
      return absl::OkStatus();
    }
    if (!value.ok() && !absl::IsNotFound(value.status())) {
      // Corrupt (DataLoss) or unreadable: answer as if we did not hold it;
      // the caller finds an intact replica elsewhere.
      spdlog::warn("FindValue {}: local copy unusable, answering contacts: {}",
                   key->ToHex(), value.status().ToString());
    }
    p2p::v1::ContactList* closer = response->mutable_closer();
    for (const Contact& c : ClosestFor(*key, sender->id)) {
      *closer->add_contacts() = ContactToProto(c);
    }
    return absl::OkStatus();
  }();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Complete(reactor, P2pMethod::kFindValue, request->ByteSizeLong(), response,
           response->mutable_responder(), status);
  return reactor;
}

grpc::ServerUnaryReactor* P2pService::Store(
    grpc::CallbackServerContext* ctx, const p2p::v1::StoreRequest* request,
    p2p::v1::StoreResponse* response) {
  absl::Status status = [&]() -> absl::Status {
    absl::StatusOr<Contact> sender = AcceptSender(*ctx, request->sender());
    if (!sender.ok()) return sender.status();
    absl::StatusOr<NodeId> key = IdFromProto(request->key(), "key");
    if (!key.ok()) return Malformed(*ctx, *sender, key.status());
    const std::string& value = request->value();
    if (value.empty()) {
      return Malformed(*ctx, *sender,
                       absl::InvalidArgumentError("value is empty"));
    }
    if (value.size() > options_.max_value_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "value of ", value.size(), " bytes exceeds the limit of ",
          options_.max_value_bytes, " bytes"));
    }
    // The store verifies SHA-256(value) == key (its only InvalidArgument).
    absl::StatusOr<bool> added = deps_.store->Put(*key, value);
    if (added.ok()) return absl::OkStatus();
    if (absl::IsInvalidArgument(added.status())) {
      absl::Status mismatch = absl::InvalidArgumentError(
          absl::StrCat("key does not match value: SHA-256 of the ",
                       value.size(), "-byte value is not ", key->ToHex()));
      spdlog::warn("rejected Store from {} (node {}): {}", sender->address,
                   sender->id.ShortHex(), std::string(mismatch.message()));
      ChargeSender(*ctx, *sender, P2pMethod::kStore, mismatch,
                   abuse::Offense::kTamperedData);
      return mismatch;
    }
    spdlog::error("Store {} from {}: local storage failed: {}", key->ToHex(),
                  sender->address, added.status().ToString());
    if (absl::IsResourceExhausted(added.status())) return added.status();
    return absl::InternalError(
        absl::StrCat("storage failed: ", added.status().message()));
  }();
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  Complete(reactor, P2pMethod::kStore, request->ByteSizeLong(), response,
           response->mutable_responder(), status);
  return reactor;
}

std::chrono::system_clock::time_point P2pService::PeerManagerDeadline(
    const grpc::CallbackServerContext& ctx) const {
  const auto own = std::chrono::system_clock::now() +
                   absl::ToChronoNanoseconds(options_.peer_manager_timeout);
  return std::min(own, ctx.deadline());
}

}  // namespace datamgmt::dht
