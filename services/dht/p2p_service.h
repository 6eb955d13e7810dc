// The P2P protocol as dht-service serves it on the public P2P port:
// datamgmt.p2p.v1.PeerProtocol over the gRPC callback API, a thin adapter
// over Routing, ContentStore and peer-manager.
//
//   absl::StatusOr<std::unique_ptr<P2pService>> service = P2pService::Create(
//       {.self = &self, .routing = routing.get(), .learner = &learner,
//        .store = store.get(), .stats = &traffic, .clock = &RealClock(),
//        .peer_manager = peer_manager_stub.get(), .observer = &reporter},
//       {});
//   GrpcServer::Start({.listen_address = "0.0.0.0:8000"},
//                     {{service->get(), PeerProtocol::service_full_name()}});
//
// Every handler first checks the sender (INVALID_ARGUMENT if its node_id is
// not 32 bytes or its address is not a valid "host:port"; with an
// authenticator, UNAUTHENTICATED if its node_id is not the one bound to the
// client certificate of the call) and learns it through the ContactLearner
// (ping-before-evict included) and tells the ContactObserver; a sender with
// our own ID is answered but never learned, an unauthenticated one is
// neither learned nor reported nor served.
//  * Ping: our contact.
//  * FindNode: our k closest contacts to the target, never the sender.
//  * FindValue: the value if the ContentStore holds it intact (a corrupt
//    entry is logged and treated as absent), else as FindNode.
//  * Store: 1..max_value_bytes bytes (RESOURCE_EXHAUSTED over the limit,
//    nothing stored); SHA-256(value) must be the key (INVALID_ARGUMENT
//    "key does not match value", logged, and charged to the sender with
//    Routing::MarkFailed and ContactObserver::OnContactResult).
//  * GetPeers: peer-manager's healthy peers (ListPeers), most recently seen
//    first, never the sender or this node, at most max_peers (<= 100).
//  * SharePeers: at most 100 entries (else RESOURCE_EXHAUSTED); well-formed
//    ones go to peer-manager's MergePeers (PEER_SOURCE_PEER_EXCHANGE).
//    Peer-manager calls carry a deadline; UNAVAILABLE if it cannot be
//    reached (or none is configured).
// Malformed keys and targets (not 32 bytes) are INVALID_ARGUMENT. Every call
// is counted in TrafficStats.
// With a PeerGuard (peer_guard.h), every request is first admitted by its
// source address, then by its sender's node ID: a banned one is
// PERMISSION_DENIED, one over its rate RESOURCE_EXHAUSTED, and either way
// the sender is neither learned nor reported. Malformed requests
// (INVALID_ARGUMENT), a Store whose value does not match its key and a
// SharePeers over 100 entries are charged to the sender; peer entries
// naming banned peers are left out of GetPeers answers and SharePeers
// merges.
//
// Thread-safe: handlers run concurrently on gRPC threads and share only
// thread-safe parts; none blocks on the network (peer-manager calls and
// eviction pings are asynchronous). Everything in P2pServiceDeps must
// outlive the server hosting the service.
#ifndef DATAMGMT_SERVICES_DHT_P2P_SERVICE_H_
#define DATAMGMT_SERVICES_DHT_P2P_SERVICE_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/protocol_constants.h"
#include "common/time/clock.h"
#include "datamgmt/p2p/v1/p2p.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "google/protobuf/message.h"
#include "services/dht/contact_learner.h"
#include "services/dht/contact_observer.h"
#include "services/dht/content_store.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/p2p_method.h"
#include "services/dht/peer_authenticator.h"
#include "services/dht/peer_guard.h"
#include "services/dht/routing.h"
#include "services/dht/self_contact.h"
#include "services/dht/traffic_stats.h"

namespace datamgmt::dht {

struct P2pServiceOptions {
  // Contacts per FindNode/FindValue answer (Kademlia's k). Must be at least
  // 1. Default: 20.
  int k = kademlia::kDefaultK;
  // Largest value Store accepts (a flag of dht-service). Must be at least
  // 1. Default: 1 MiB, the protocol limit.
  size_t max_value_bytes = kMaxValueBytes;
  // Deadline of each call to peer-manager (ListPeers, MergePeers), capped
  // by the inbound call's own deadline. Must be positive. Default: 2 s.
  absl::Duration peer_manager_timeout = absl::Seconds(2);

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// What the service works with; none of it is owned.
struct P2pServiceDeps {
  const SelfContact* self = nullptr;  // required
  Routing* routing = nullptr;         // required
  ContactLearner* learner = nullptr;  // required
  ContentStore* store = nullptr;      // required
  TrafficStats* stats = nullptr;      // required
  Clock* clock = nullptr;             // required (report times)
  // A real PeerManager::Stub (its async() API is used). Optional: without
  // it GetPeers and SharePeers are UNAVAILABLE.
  peers::v1::PeerManager::StubInterface* peer_manager = nullptr;
  // Optional.
  ContactObserver* observer = nullptr;
  // Binds senders to the client certificate of the call (a TLS port).
  // Optional: without it (a plaintext port) senders are taken at their word.
  PeerAuthenticator* authenticator = nullptr;
  // Optional: without it nothing is rate-limited, scored or banned.
  PeerGuard* guard = nullptr;
};

class P2pService final : public p2p::v1::PeerProtocol::CallbackService {
 public:
  // Returns InvalidArgument if a required dependency is missing or
  // `options` fail Validate().
  static absl::StatusOr<std::unique_ptr<P2pService>> Create(
      P2pServiceDeps deps, P2pServiceOptions options);

  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* ctx,
                                 const p2p::v1::PingRequest* request,
                                 p2p::v1::PingResponse* response) override;
  grpc::ServerUnaryReactor* FindNode(
      grpc::CallbackServerContext* ctx, const p2p::v1::FindNodeRequest* request,
      p2p::v1::FindNodeResponse* response) override;
  grpc::ServerUnaryReactor* FindValue(
      grpc::CallbackServerContext* ctx,
      const p2p::v1::FindValueRequest* request,
      p2p::v1::FindValueResponse* response) override;
  grpc::ServerUnaryReactor* Store(grpc::CallbackServerContext* ctx,
                                  const p2p::v1::StoreRequest* request,
                                  p2p::v1::StoreResponse* response) override;
  grpc::ServerUnaryReactor* GetPeers(
      grpc::CallbackServerContext* ctx, const p2p::v1::GetPeersRequest* request,
      p2p::v1::GetPeersResponse* response) override;
  grpc::ServerUnaryReactor* SharePeers(
      grpc::CallbackServerContext* ctx,
      const p2p::v1::SharePeersRequest* request,
      p2p::v1::SharePeersResponse* response) override;

 private:
  P2pService(P2pServiceDeps deps, P2pServiceOptions options);

  // Admits (PeerGuard), validates, authenticates (the certificate's ID) and
  // learns a request's sender. Returns it, or PermissionDenied,
  // ResourceExhausted, InvalidArgument or Unauthenticated.
  absl::StatusOr<kademlia::Contact> AcceptSender(
      const grpc::CallbackServerContext& ctx, const p2p::v1::Contact& sender);
  // Charges `offense` to the sender and its source address (PeerGuard).
  void Penalize(const grpc::CallbackServerContext& ctx,
                const kademlia::Contact& sender, abuse::Offense offense,
                const absl::Status& status);
  // Charges the sender of a malformed request (a bad key, target or value)
  // and returns `status`.
  absl::Status Malformed(const grpc::CallbackServerContext& ctx,
                         const kademlia::Contact& sender, absl::Status status);
  // Whether a peer entry names a banned peer.
  bool Banned(const PeerEntry& entry) const;
  // Our k closest contacts to `target`, leaving out `requester`.
  std::vector<kademlia::Contact> ClosestFor(
      const kademlia::NodeId& target, const kademlia::NodeId& requester) const;
  // Charges a misbehaving sender with a failure (and `offense`).
  void ChargeSender(const grpc::CallbackServerContext& ctx,
                    const kademlia::Contact& sender, P2pMethod method,
                    const absl::Status& status, abuse::Offense offense);
  // The deadline for a peer-manager call made while serving `ctx`.
  std::chrono::system_clock::time_point PeerManagerDeadline(
      const grpc::CallbackServerContext& ctx) const;

  // Sets the responder (OK) or clears the response (error), counts the call
  // in TrafficStats and finishes `reactor` with `status`.
  void Complete(grpc::ServerUnaryReactor* reactor, P2pMethod method,
                size_t request_bytes, google::protobuf::Message* response,
                p2p::v1::Contact* responder, const absl::Status& status) const;

  const P2pServiceDeps deps_;
  const P2pServiceOptions options_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_P2P_SERVICE_H_
