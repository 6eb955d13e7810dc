// The seam between dht-service's logic and the network: outbound P2P calls
// (datamgmt.p2p.v1.PeerProtocol), each completing through a callback with
// an absl::StatusOr of a verified, proto-free reply.
//
// GrpcPeerClient (grpc_peer_client.h) implements it over gRPC;
// FakePeerClient (fake_peer_client.h) over an in-memory network for tests.
//
//   client.FindNode(peer, target, {}, [](absl::StatusOr<FindNodeReply> r) {
//     if (!r.ok()) { /* count a failure of peer */ return; }
//     for (const Contact& c : r->contacts) ...;
//   });
//
// Contract of every implementation:
//  * `done` runs exactly once. It may run on a thread of the implementation
//    (a gRPC callback thread) or inline, before the method returns (e.g. an
//    invalid address, a client shutting down, or a fake). Never hold a lock
//    that `done` takes while calling a method.
//  * Every call has a deadline: CallOptions::timeout, or the
//    implementation's default.
//  * An OK reply is verified: the responder is well-formed, is not this
//    node and, for calls addressed to a Contact, is that contact; contacts
//    are well-formed and at most k; a FindValue value hashes to the key.
//  * Error codes: the remote or transport status as is (UNAVAILABLE,
//    DEADLINE_EXCEEDED, INVALID_ARGUMENT, ...); INVALID_ARGUMENT also for a
//    malformed answer or a malformed argument (nothing is sent);
//    FAILED_PRECONDITION if the responder is this node (we dialled
//    ourselves; IsDialledSelf() tells this case apart) or not the contact
//    dialled; DATA_LOSS if a FindValue value does not hash to its key;
//    UNAUTHENTICATED if (with TLS) the responder is not the node of the
//    certificate the peer presented, or the peer refused our certificate
//    for our sender ID. Any non-OK result is a failure of that peer.
//
// Implementations are thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_PEER_CLIENT_H_
#define DATAMGMT_SERVICES_DHT_PEER_CLIENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"

namespace datamgmt::dht {

struct CallOptions {
  // Deadline of the call, counted from when it starts. Zero or negative
  // means the implementation's default for the method.
  absl::Duration timeout = absl::ZeroDuration();
  // Whether the outcome goes to the client's ContactObserver. PeerDialer's
  // calls pass false: its caller reports them itself (peer_dialer.proto).
  bool report_result = true;
};

// One entry of a peer exchange (datamgmt.p2p.v1.PeerEntry).
struct PeerEntry {
  // DNS name, IPv4 literal or IPv6 literal without brackets.
  std::string host{};
  // 1..65535.
  uint32_t port = 0;
  // nullopt if the sharer never learned it.
  std::optional<kademlia::NodeId> node_id{};
  // Unix seconds of the sharer's last contact; 0 if unknown.
  double last_seen = 0;

  friend bool operator==(const PeerEntry&, const PeerEntry&) = default;
};

struct PingReply {
  kademlia::Contact responder{};
  absl::Duration rtt{};
};

struct FindNodeReply {
  kademlia::Contact responder{};
  absl::Duration rtt{};
  // The responder's closest contacts to the target, as sent (closest first),
  // malformed ones dropped, at most k.
  std::vector<kademlia::Contact> contacts{};
};

struct FindValueReply {
  kademlia::Contact responder{};
  absl::Duration rtt{};
  // The value, verified: SHA-256(*value) == key.
  std::optional<std::string> value{};
  // When there is no value: closer contacts, as FindNodeReply::contacts.
  std::vector<kademlia::Contact> closer{};
};

struct StoreReply {
  kademlia::Contact responder{};
  absl::Duration rtt{};
};

struct GetPeersReply {
  kademlia::Contact responder{};
  absl::Duration rtt{};
  // Well-formed entries, in the responder's order, at most the max asked.
  std::vector<PeerEntry> peers{};
};

struct SharePeersReply {
  kademlia::Contact responder{};
  absl::Duration rtt{};
  uint32_t added = 0;
  uint32_t ignored = 0;
};

// The FAILED_PRECONDITION a PeerClient returns when the peer answered with
// this node's own ID: the address points back at us (PeerDialer's is_self).
absl::Status DialledSelfError(absl::string_view address);
// True for a status made by DialledSelfError (a remote FAILED_PRECONDITION
// is not).
bool IsDialledSelf(const absl::Status& status);

template <typename T>
using PeerCallback = absl::AnyInvocable<void(absl::StatusOr<T>)>;

class PeerClient {
 public:
  virtual ~PeerClient() = default;

  // Ping by address (bootstrap, health checks, ping-before-evict).
  virtual void Ping(absl::string_view address, const CallOptions& options,
                    PeerCallback<PingReply> done) = 0;

  // One FIND_NODE step of a lookup.
  virtual void FindNode(const kademlia::Contact& peer,
                        const kademlia::NodeId& target,
                        const CallOptions& options,
                        PeerCallback<FindNodeReply> done) = 0;

  // One FIND_VALUE step of a lookup. A value that does not hash to `key` is
  // DATA_LOSS, never a reply.
  virtual void FindValue(const kademlia::Contact& peer,
                         const kademlia::NodeId& key,
                         const CallOptions& options,
                         PeerCallback<FindValueReply> done) = 0;

  // Asks `peer` to keep `value` under `key` (the caller passes
  // key = SHA-256(value)).
  virtual void Store(const kademlia::Contact& peer, const kademlia::NodeId& key,
                     absl::string_view value, const CallOptions& options,
                     PeerCallback<StoreReply> done) = 0;

  // Peer exchange step 1: up to `max_peers` (1..100; 0 means 100) of the
  // peer's healthy peers.
  virtual void GetPeers(absl::string_view address, uint32_t max_peers,
                        const CallOptions& options,
                        PeerCallback<GetPeersReply> done) = 0;

  // Peer exchange step 2: offers `peers` (at most 100).
  virtual void SharePeers(absl::string_view address,
                          std::vector<PeerEntry> peers,
                          const CallOptions& options,
                          PeerCallback<SharePeersReply> done) = 0;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_PEER_CLIENT_H_
