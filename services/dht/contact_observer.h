// Where dht-service tells the rest of the node what it learned about peers:
// results of its own P2P calls and the senders of inbound requests. main
// connects it to peer-manager (RecordContacts for results, MergePeers with
// PEER_SOURCE_INBOUND for senders), batching off the request path.
//
//   PeerManagerReporter reporter(...);  // peer_manager_reporter.h
//   GrpcPeerClient client(..., {.observer = &reporter});
//
// Implementations must be thread-safe and must not block: they are called
// on gRPC threads, in the middle of lookups and request handlers.
#ifndef DATAMGMT_SERVICES_DHT_CONTACT_OBSERVER_H_
#define DATAMGMT_SERVICES_DHT_CONTACT_OBSERVER_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "services/dht/p2p_method.h"

namespace datamgmt::dht {

// One first-hand observation of a peer (datamgmt.peers.v1.ContactResult).
struct ContactReport {
  // Outbound: the address dialled. Inbound misbehaviour: the sender's
  // advertised address.
  std::string address{};
  // The peer's node ID when known: the responder's on success, the sender's
  // for an inbound report; nullopt otherwise.
  std::optional<kademlia::NodeId> node_id{};
  P2pMethod method = P2pMethod::kPing;
  // OK if the peer answered well-formed; otherwise why not (transport error,
  // remote error, malformed or tampered answer, or for an inbound report
  // the error we returned to a misbehaving sender).
  absl::Status status{};
  // Round-trip time of a successful outbound call; zero otherwise.
  absl::Duration rtt = absl::ZeroDuration();
  // When the call completed.
  absl::Time observed_at = absl::InfinitePast();
};

class ContactObserver {
 public:
  virtual ~ContactObserver() = default;

  // The outcome of a P2P call this node made (GrpcPeerClient), or a failure
  // charged to an inbound sender that misbehaved (a Store whose value does
  // not match its key).
  virtual void OnContactResult(const ContactReport& report) = 0;

  // A well-formed sender of an inbound request (a second-hand hint: it
  // introduced itself, nobody verified it).
  virtual void OnInboundSender(const kademlia::Contact& sender) = 0;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_CONTACT_OBSERVER_H_
