// Learning a contact the way Kademlia wants it: tell Routing, and when a
// full bucket asks for a ping-before-evict, ping the candidate through the
// PeerClient (asynchronously, outside every lock) and report the outcome.
//
//   ContactLearner learner(routing, client);
//   absl::Status s = learner.Learn(sender);  // InvalidArgument: malformed
//
// The candidate counts as alive only if it answers with its own ID; a
// different node at its address, or no answer, evicts it.
//
// Thread-safe. `routing` and `client` must outlive the learner, and
// `routing` must outlive every ping the learner started (GrpcPeerClient's
// destructor waits for its calls: destroy it before Routing).
#ifndef DATAMGMT_SERVICES_DHT_CONTACT_LEARNER_H_
#define DATAMGMT_SERVICES_DHT_CONTACT_LEARNER_H_

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "services/dht/peer_client.h"
#include "services/dht/routing.h"

namespace datamgmt::dht {

class ContactLearner {
 public:
  ContactLearner(Routing& routing, PeerClient& client)
      : routing_(routing), client_(client) {}

  // Routing::Learn(contact), then pings a ping-before-evict candidate if
  // asked to. Returns what Routing::Learn returns: InvalidArgument for a
  // malformed contact, FailedPrecondition for this node (neither learned).
  absl::Status Learn(const kademlia::Contact& contact);

  Routing& routing() { return routing_; }

 private:
  Routing& routing_;
  PeerClient& client_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_CONTACT_LEARNER_H_
