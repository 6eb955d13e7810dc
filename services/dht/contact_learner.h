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
// Moved identities. When a contact the table does not know yet claims an
// address at which the table lists another ID (a node that rotated its
// identity, see DhtNode::RotateIdentity), the learner dials that address
// once (one check per listed contact at a time): if another node answers
// there, the listed contact is removed. A claim alone never removes
// anything, since an address in a message is unproven; an answer at the
// address is (with TLS, by the certificate of the node that answers).
//
// Thread-safe. `routing` and `client` must outlive the learner, and
// `routing` and the learner must outlive every ping it started
// (GrpcPeerClient's destructor waits for its calls: destroy it first).
#ifndef DATAMGMT_SERVICES_DHT_CONTACT_LEARNER_H_
#define DATAMGMT_SERVICES_DHT_CONTACT_LEARNER_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "services/dht/peer_client.h"
#include "services/dht/routing.h"

namespace datamgmt::dht {

class ContactLearner {
 public:
  ContactLearner(Routing& routing, PeerClient& client)
      : routing_(routing), client_(client) {}

  // Routing::Learn(contact), then pings a ping-before-evict candidate if
  // asked to, and checks an address listed under another ID (see above).
  // Returns what Routing::Learn returns: InvalidArgument for a malformed
  // contact, FailedPrecondition for this node (neither learned).
  absl::Status Learn(const kademlia::Contact& contact);

  // `responder` answered at an address dialled as the contact `expected`:
  // the node there is no longer `expected`. Removes `expected` from the
  // routing table and learns `responder`. GrpcPeerClient reports this case
  // (GrpcPeerClientOptions::on_moved).
  void OnMoved(const kademlia::NodeId& expected,
               const kademlia::Contact& responder);

  // Listed contacts removed because another node answered at their address.
  uint64_t moved_removed() const;

  Routing& routing() { return routing_; }

 private:
  // Dials `listed.address`; removes `listed` if another ID answers.
  void CheckAddress(const kademlia::Contact& listed);

  Routing& routing_;
  PeerClient& client_;
  mutable absl::Mutex mu_;
  absl::flat_hash_set<kademlia::NodeId> checking_ ABSL_GUARDED_BY(mu_);
  uint64_t moved_removed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_CONTACT_LEARNER_H_
