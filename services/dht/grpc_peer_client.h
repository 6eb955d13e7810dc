// PeerClient over gRPC: dht-service's outbound P2P calls, made with the
// callback API (stub->async()->Method(ctx, req, resp, callback)) on channels
// from a ChannelCache.
//
// Every request carries this node's contact as `sender` and a deadline.
// Every answer is verified before anyone sees it (see peer_client.h): a
// malformed responder, this node answering, a contact answering for another
// ID, or a FindValue value whose SHA-256 is not the key fails the call
// (INVALID_ARGUMENT, FAILED_PRECONDITION, DATA_LOSS); tampered values are
// logged with spdlog at warn. Malformed contacts and peer entries in an
// answer are dropped, and lists are capped (k contacts, 100 peers).
// With an authenticator (TLS), a responder whose node ID is not the one
// bound to the server's certificate fails the call with UNAUTHENTICATED
// before any other check. A call addressed to a contact that is answered,
// authenticated, by another node (it rotated its identity) fails with
// FAILED_PRECONDITION as before, but counts as a success of that other node
// at the address for the ContactObserver, and goes to `on_moved`.
// Every call is counted in TrafficStats and, unless CallOptions says not
// to, reported to the ContactObserver.
// With a PeerGuard (peer_guard.h), a banned peer (its node ID, or its host
// address) is never dialled: the call fails at once with PERMISSION_DENIED,
// unsent, uncounted and unreported. Verified answers are judged: tampered
// values, malformed answers and unexpected responders are charged to the
// peer, good answers credit it, and an answer from a banned node ID fails
// the call with PERMISSION_DENIED.
//
//   ChannelCache channels({});
//   GrpcPeerClient client(self, channels, traffic, RealClock(), {});
//   client.Ping("10.0.0.7:8000", {}, [](absl::StatusOr<PingReply> r) {...});
//
// Threading: thread-safe. Completions run on gRPC's callback threads, or
// inline in the calling thread when a call cannot start (invalid address,
// client shutting down) or gRPC fails it at once. The destructor cancels
// calls in flight and waits until every completion has returned, so
// objects a completion uses (Routing, a lookup's state) are safe as long as
// they outlive the client; it must not run on a gRPC callback thread.
#ifndef DATAMGMT_SERVICES_DHT_GRPC_PEER_CLIENT_H_
#define DATAMGMT_SERVICES_DHT_GRPC_PEER_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/grpc/channel_cache.h"
#include "common/kademlia/protocol_constants.h"
#include "common/time/clock.h"
#include "datamgmt/p2p/v1/p2p.pb.h"
#include "services/dht/contact_observer.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/p2p_method.h"
#include "services/dht/peer_authenticator.h"
#include "services/dht/peer_client.h"
#include "services/dht/peer_guard.h"
#include "services/dht/self_contact.h"
#include "services/dht/traffic_stats.h"

namespace datamgmt::dht {

struct GrpcPeerClientOptions {
  // Deadline of Ping, FindNode, FindValue, GetPeers and SharePeers when
  // CallOptions::timeout is unset. Must be positive. Default: 2 s.
  absl::Duration rpc_timeout = absl::Seconds(2);
  // Deadline of Store (up to 1 MiB on the wire) when CallOptions::timeout
  // is unset. Must be positive. Default: 5 s.
  absl::Duration store_timeout = absl::Seconds(5);
  // Contacts accepted from one FindNode/FindValue answer (Kademlia's k);
  // the rest are ignored. Must be at least 1. Default: 20.
  int max_contacts = kademlia::kDefaultK;
  // Largest FindValue value accepted (a longer one fails the call with
  // INVALID_ARGUMENT). Must be at least 1. Default: 1 MiB.
  size_t max_value_bytes = kMaxValueBytes;
  // Receives every call's outcome (unless CallOptions::report_result is
  // false). Not owned; must outlive the client. Default: none.
  ContactObserver* observer = nullptr;
  // Binds responders to the server's certificate (TLS channels). Not
  // owned; must outlive the client. Default: none (plaintext: responders
  // are taken at their word).
  PeerAuthenticator* authenticator = nullptr;
  // Called, before the call's own completion, when a call addressed to the
  // contact with ID `expected` is answered (and, with an authenticator,
  // authenticated) by `responder`: the node at that address changed its ID.
  // DhtNode passes ContactLearner::OnMoved. Default: none.
  std::function<void(const kademlia::NodeId& expected,
                     const kademlia::Contact& responder)>
      on_moved{};
  // Scores peers and refuses banned ones. Not owned; must outlive the
  // client. Default: none.
  PeerGuard* guard = nullptr;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class GrpcPeerClient final : public PeerClient {
 public:
  // Returns InvalidArgument if `options` fail Validate(). `self`,
  // `channels`, `stats` and `clock` (used for ContactReport::observed_at
  // only; deadlines and RTTs use the real clock, as gRPC does) must outlive
  // the client.
  static absl::StatusOr<std::unique_ptr<GrpcPeerClient>> Create(
      const SelfContact& self, ChannelCache& channels, TrafficStats& stats,
      Clock& clock, GrpcPeerClientOptions options);

  // Cancels calls in flight and waits for their completions to return.
  ~GrpcPeerClient() override;

  void Ping(absl::string_view address, const CallOptions& options,
            PeerCallback<PingReply> done) override;
  void FindNode(const kademlia::Contact& peer, const kademlia::NodeId& target,
                const CallOptions& options,
                PeerCallback<FindNodeReply> done) override;
  void FindValue(const kademlia::Contact& peer, const kademlia::NodeId& key,
                 const CallOptions& options,
                 PeerCallback<FindValueReply> done) override;
  void Store(const kademlia::Contact& peer, const kademlia::NodeId& key,
             absl::string_view value, const CallOptions& options,
             PeerCallback<StoreReply> done) override;
  void GetPeers(absl::string_view address, uint32_t max_peers,
                const CallOptions& options,
                PeerCallback<GetPeersReply> done) override;
  void SharePeers(absl::string_view address, std::vector<PeerEntry> peers,
                  const CallOptions& options,
                  PeerCallback<SharePeersReply> done) override;

  // Calls started whose completion has not returned yet.
  size_t in_flight() const;

 private:
  // One call in flight; see grpc_peer_client.cc.
  struct CallBase;
  template <typename Req, typename Resp, typename Reply>
  struct Call;
  // What a call needs besides its messages.
  struct CallSpec {
    P2pMethod method = P2pMethod::kPing;
    std::string address{};
    // For calls addressed to a contact: the ID that must answer.
    std::optional<kademlia::NodeId> expected{};
    CallOptions options{};
  };

  GrpcPeerClient(const SelfContact& self, ChannelCache& channels,
                 TrafficStats& stats, Clock& clock,
                 GrpcPeerClientOptions options);

  // Starts the call with `invoke(stub, ctx, req, resp, on_done)` unless the
  // address is invalid or the client is shutting down; an OK answer goes
  // through `verify(resp, VerifyContext)` (reply_verifier.h).
  template <typename Req, typename Resp, typename Reply, typename Invoke,
            typename Verify>
  void Run(CallSpec spec, Req request, Invoke invoke, Verify verify,
           PeerCallback<Reply> done);
  // `moved`: the node that answered instead of spec.expected.
  template <typename Req, typename Resp, typename Reply>
  void Finish(const std::shared_ptr<Call<Req, Resp, Reply>>& call,
              absl::StatusOr<Reply> result,
              std::optional<kademlia::Contact> moved = std::nullopt);
  void Report(const CallSpec& spec, const absl::Status& status,
              const std::optional<kademlia::Contact>& responder,
              absl::Duration rtt);
  // OK unless an authenticator is set and `responder` (well-formed) is not
  // the node of the server's certificate on `ctx`'s call.
  absl::Status BindResponder(grpc::ClientContext& ctx,
                             const p2p::v1::Contact& responder,
                             absl::string_view address) const;
  absl::Duration TimeoutFor(const CallSpec& spec) const;

  // Registers a call; false if shutting down.
  bool Register(const std::shared_ptr<CallBase>& call);
  // Forgets the call (before its completion runs) / marks it returned.
  void Unregister(CallBase* call);
  void Returned();

  const SelfContact& self_;
  ChannelCache& channels_;
  TrafficStats& stats_;
  Clock& clock_;
  const GrpcPeerClientOptions options_;

  mutable absl::Mutex mu_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  // Calls whose completion has not started (for cancellation).
  absl::flat_hash_map<CallBase*, std::shared_ptr<CallBase>> active_
      ABSL_GUARDED_BY(mu_);
  // Calls whose completion has not returned.
  size_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_GRPC_PEER_CLIENT_H_
