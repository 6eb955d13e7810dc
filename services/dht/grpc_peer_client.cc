#include "services/dht/grpc_peer_client.h"

#include <chrono>
#include <functional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/grpc/peer_tls.h"
#include "common/net/peer_address.h"
#include "common/status/grpc_status.h"
#include "datamgmt/p2p/v1/p2p.grpc.pb.h"
#include "services/dht/reply_verifier.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;
using p2p::v1::PeerProtocol;

struct GrpcPeerClient::CallBase {
  virtual ~CallBase() = default;
  grpc::ClientContext ctx;
};

template <typename Req, typename Resp, typename Reply>
struct GrpcPeerClient::Call final : CallBase {
  CallSpec spec;
  Req request;
  Resp response;
  std::unique_ptr<PeerProtocol::Stub> stub;
  std::chrono::steady_clock::time_point start;
  PeerCallback<Reply> done;
};

absl::Status GrpcPeerClientOptions::Validate() const {
  if (rpc_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("rpc_timeout must be positive");
  }
  if (store_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("store_timeout must be positive");
  }
  if (max_contacts < 1) {
    return absl::InvalidArgumentError("max_contacts must be at least 1");
  }
  if (max_value_bytes < 1) {
    return absl::InvalidArgumentError("max_value_bytes must be at least 1");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GrpcPeerClient>> GrpcPeerClient::Create(
    const SelfContact& self, ChannelCache& channels, TrafficStats& stats,
    Clock& clock, GrpcPeerClientOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<GrpcPeerClient>(
      new GrpcPeerClient(self, channels, stats, clock, std::move(options)));
}

GrpcPeerClient::GrpcPeerClient(const SelfContact& self, ChannelCache& channels,
                               TrafficStats& stats, Clock& clock,
                               GrpcPeerClientOptions options)
    : self_(self),
      channels_(channels),
      stats_(stats),
      clock_(clock),
      options_(std::move(options)) {}

GrpcPeerClient::~GrpcPeerClient() {
  std::vector<std::shared_ptr<CallBase>> to_cancel;
  {
    absl::MutexLock lock(&mu_);
    shutting_down_ = true;
    for (auto& [raw, call] : active_) to_cancel.push_back(call);
  }
  // Outside the lock: a cancelled call's completion may run inline here.
  for (const auto& call : to_cancel) call->ctx.TryCancel();
  to_cancel.clear();
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](size_t* n) { return *n == 0; }, &in_flight_));
}

size_t GrpcPeerClient::in_flight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

bool GrpcPeerClient::Register(const std::shared_ptr<CallBase>& call) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return false;
  active_.emplace(call.get(), call);
  ++in_flight_;
  return true;
}

void GrpcPeerClient::Unregister(CallBase* call) {
  absl::MutexLock lock(&mu_);
  active_.erase(call);
}

void GrpcPeerClient::Returned() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

absl::Duration GrpcPeerClient::TimeoutFor(const CallSpec& spec) const {
  if (spec.options.timeout > absl::ZeroDuration()) return spec.options.timeout;
  return spec.method == P2pMethod::kStore ? options_.store_timeout
                                          : options_.rpc_timeout;
}

template <typename Req, typename Resp, typename Reply, typename Invoke,
          typename Verify>
void GrpcPeerClient::Run(CallSpec spec, Req request, Invoke invoke,
                         Verify verify, PeerCallback<Reply> done) {
  if (absl::Status s = net::ValidatePeerAddress(spec.address); !s.ok()) {
    done(s);
    return;
  }
  if (options_.guard != nullptr) {
    absl::Status s = options_.guard->CheckDial(spec.address, spec.expected);
    if (!s.ok()) {
      done(s);
      return;
    }
  }
  auto call = std::make_shared<Call<Req, Resp, Reply>>();
  call->spec = std::move(spec);
  call->request = std::move(request);
  *call->request.mutable_sender() = ContactToProto(self_.Get());
  call->done = std::move(done);
  call->stub = PeerProtocol::NewStub(channels_.Get(call->spec.address));
  call->ctx.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoNanoseconds(TimeoutFor(call->spec)));
  call->start = std::chrono::steady_clock::now();
  // From here the destructor may TryCancel the context, which gRPC allows
  // concurrently with starting the call.
  if (!Register(call)) {
    std::move(call->done)(
        absl::UnavailableError("peer client is shutting down"));
    return;
  }
  invoke(call->stub.get(), &call->ctx, &call->request, &call->response,
         [this, call, verify](grpc::Status status) {
           if (!status.ok()) {
             Finish(call, absl::StatusOr<Reply>(FromGrpcStatus(status)));
             return;
           }
           const VerifyContext ctx{
               .address = call->spec.address,
               .self = self_.id(),
               .expected = call->spec.expected,
               .max_contacts = static_cast<size_t>(options_.max_contacts),
               .max_value_bytes = options_.max_value_bytes};
           absl::StatusOr<Reply> reply = verify(call->response, ctx);
           std::optional<Contact> moved;
           if (absl::Status bound =
                   BindResponder(call->ctx, call->response.responder(),
                                 call->spec.address);
               !bound.ok()) {
             reply = std::move(bound);
           } else if (!reply.ok() && call->spec.expected.has_value()) {
             absl::StatusOr<Contact> responder =
                 ContactFromProto(call->response.responder(), "responder");
             if (responder.ok() && responder->id != *call->spec.expected &&
                 responder->id != ctx.self) {
               moved = *std::move(responder);
             }
           }
           // A node that rotated its identity answers honestly under its
           // new ID: that is not charged to anyone.
           if (options_.guard != nullptr && !moved.has_value()) {
             absl::Status judged = options_.guard->JudgeAnswer(
                 call->spec.address, call->spec.expected,
                 reply.ok() ? absl::StatusOr<Contact>(reply->responder)
                            : absl::StatusOr<Contact>(reply.status()));
             if (!judged.ok()) reply = judged;
           }
           Finish(call, std::move(reply), std::move(moved));
         });
}

absl::Status GrpcPeerClient::BindResponder(grpc::ClientContext& ctx,
                                           const p2p::v1::Contact& responder,
                                           absl::string_view address) const {
  if (options_.authenticator == nullptr) return absl::OkStatus();
  absl::StatusOr<NodeId> id = NodeId::FromBytes(responder.node_id());
  if (!id.ok()) return absl::OkStatus();  // malformed: the verifier says so
  const std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
  absl::Status bound = options_.authenticator->Check(
      auth != nullptr ? PeerCertificatePem(*auth) : std::nullopt, *id,
      "responder");
  if (bound.ok()) return bound;
  return absl::UnauthenticatedError(
      absl::StrCat("answer from ", address, ": ", bound.message()));
}

template <typename Req, typename Resp, typename Reply>
void GrpcPeerClient::Finish(const std::shared_ptr<Call<Req, Resp, Reply>>& call,
                            absl::StatusOr<Reply> result,
                            std::optional<Contact> moved) {
  const absl::Duration rtt =
      absl::FromChrono(std::chrono::steady_clock::now() - call->start);
  const CallSpec& spec = call->spec;
  // A failed call's response is empty unless a malformed answer arrived,
  // whose bytes were received all the same.
  stats_.RecordOutbound(spec.method, call->request.ByteSizeLong(),
                        call->response.ByteSizeLong(), result.ok());
  std::optional<Contact> responder;
  if (result.ok()) {
    result->rtt = rtt;
    responder = result->responder;
  } else {
    spdlog::debug("P2P {} to {} failed: {}",
                  std::string(P2pMethodName(spec.method)), spec.address,
                  result.status().ToString());
    const absl::StatusCode code = result.status().code();
    if (code == absl::StatusCode::kDeadlineExceeded ||
        code == absl::StatusCode::kUnavailable) {
      // The connection may be dead without TCP knowing (a partition drops
      // packets silently; retransmissions back off to minutes), or the
      // channel may sit in gRPC's reconnect backoff. The next call to this
      // peer dials afresh instead of waiting either out.
      channels_.Evict(spec.address);
    }
  }
  if (moved.has_value()) {
    // A live node answered at the address, just not the one dialled: a
    // success of that node there (peer-manager replaces the address's ID),
    // and the dialled contact is gone from it.
    spdlog::debug("P2P {} to {}: node {} answers there now instead of {}",
                  std::string(P2pMethodName(spec.method)), spec.address,
                  moved->id.ShortHex(), spec.expected->ShortHex());
    Report(spec, absl::OkStatus(), moved, rtt);
    if (options_.on_moved) options_.on_moved(*spec.expected, *moved);
  } else {
    Report(spec, result.status(), responder, rtt);
  }
  Unregister(call.get());
  PeerCallback<Reply> done = std::move(call->done);
  done(std::move(result));
  Returned();
}

void GrpcPeerClient::Report(const CallSpec& spec, const absl::Status& status,
                            const std::optional<Contact>& responder,
                            absl::Duration rtt) {
  if (options_.observer == nullptr || !spec.options.report_result) return;
  ContactReport report{.address = spec.address,
                       .method = spec.method,
                       .status = status,
                       .observed_at = clock_.Now()};
  if (status.ok()) {
    report.node_id = responder->id;
    report.rtt = rtt;
  }
  options_.observer->OnContactResult(report);
}

// Each method: its request, how to start it on a stub, how to verify it.
#define DATAMGMT_P2P_INVOKE(Method)                                        \
  [](PeerProtocol::Stub* stub, grpc::ClientContext* ctx,                   \
     const p2p::v1::Method##Request* req, p2p::v1::Method##Response* resp, \
     std::function<void(grpc::Status)> cb) {                               \
    stub->async()->Method(ctx, req, resp, std::move(cb));                  \
  }

void GrpcPeerClient::Ping(absl::string_view address, const CallOptions& options,
                          PeerCallback<PingReply> done) {
  Run<p2p::v1::PingRequest, p2p::v1::PingResponse, PingReply>(
      {.method = P2pMethod::kPing,
       .address = std::string(address),
       .options = options},
      p2p::v1::PingRequest(), DATAMGMT_P2P_INVOKE(Ping), &VerifyPing,
      std::move(done));
}

void GrpcPeerClient::FindNode(const Contact& peer, const NodeId& target,
                              const CallOptions& options,
                              PeerCallback<FindNodeReply> done) {
  p2p::v1::FindNodeRequest request;
  request.set_target(target.ToBytes());
  Run<p2p::v1::FindNodeRequest, p2p::v1::FindNodeResponse, FindNodeReply>(
      {.method = P2pMethod::kFindNode,
       .address = peer.address,
       .expected = peer.id,
       .options = options},
      std::move(request), DATAMGMT_P2P_INVOKE(FindNode), &VerifyFindNode,
      std::move(done));
}

void GrpcPeerClient::FindValue(const Contact& peer, const NodeId& key,
                               const CallOptions& options,
                               PeerCallback<FindValueReply> done) {
  p2p::v1::FindValueRequest request;
  request.set_key(key.ToBytes());
  Run<p2p::v1::FindValueRequest, p2p::v1::FindValueResponse, FindValueReply>(
      {.method = P2pMethod::kFindValue,
       .address = peer.address,
       .expected = peer.id,
       .options = options},
      std::move(request), DATAMGMT_P2P_INVOKE(FindValue),
      [key](const p2p::v1::FindValueResponse& resp, const VerifyContext& ctx) {
        return VerifyFindValue(resp, key, ctx);
      },
      std::move(done));
}

void GrpcPeerClient::Store(const Contact& peer, const NodeId& key,
                           absl::string_view value, const CallOptions& options,
                           PeerCallback<StoreReply> done) {
  p2p::v1::StoreRequest request;
  request.set_key(key.ToBytes());
  request.set_value(std::string(value));
  Run<p2p::v1::StoreRequest, p2p::v1::StoreResponse, StoreReply>(
      {.method = P2pMethod::kStore,
       .address = peer.address,
       .expected = peer.id,
       .options = options},
      std::move(request), DATAMGMT_P2P_INVOKE(Store), &VerifyStore,
      std::move(done));
}

void GrpcPeerClient::GetPeers(absl::string_view address, uint32_t max_peers,
                              const CallOptions& options,
                              PeerCallback<GetPeersReply> done) {
  const size_t max = (max_peers == 0 || max_peers > kMaxPeerEntries)
                         ? kMaxPeerEntries
                         : max_peers;
  p2p::v1::GetPeersRequest request;
  request.set_max_peers(static_cast<uint32_t>(max));
  Run<p2p::v1::GetPeersRequest, p2p::v1::GetPeersResponse, GetPeersReply>(
      {.method = P2pMethod::kGetPeers,
       .address = std::string(address),
       .options = options},
      std::move(request), DATAMGMT_P2P_INVOKE(GetPeers),
      [max](const p2p::v1::GetPeersResponse& resp, const VerifyContext& ctx) {
        return VerifyGetPeers(resp, max, ctx);
      },
      std::move(done));
}

void GrpcPeerClient::SharePeers(absl::string_view address,
                                std::vector<PeerEntry> peers,
                                const CallOptions& options,
                                PeerCallback<SharePeersReply> done) {
  if (peers.size() > kMaxPeerEntries) {
    done(absl::ResourceExhaustedError(
        absl::StrCat("SharePeers carries at most ", kMaxPeerEntries,
                     " entries, got ", peers.size())));
    return;
  }
  p2p::v1::SharePeersRequest request;
  for (const PeerEntry& entry : peers) {
    *request.add_peers() = PeerEntryToProto(entry);
  }
  Run<p2p::v1::SharePeersRequest, p2p::v1::SharePeersResponse, SharePeersReply>(
      {.method = P2pMethod::kSharePeers,
       .address = std::string(address),
       .options = options},
      std::move(request), DATAMGMT_P2P_INVOKE(SharePeers), &VerifySharePeers,
      std::move(done));
}

#undef DATAMGMT_P2P_INVOKE

}  // namespace datamgmt::dht
