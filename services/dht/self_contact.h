// This node's own contact: its ID and the P2P address it advertises. Every
// outbound request carries it as `sender`, every answer as `responder`.
//
// The address can be set after construction because a server bound to port
// 0 (tests) learns its port only once it is listening; main sets it from the
// advertised-address flag before anything is sent. The ID changes only when
// the node rotates its identity (DhtNode::RotateIdentity).
//
//   SelfContact self(node_id, "10.0.0.7:8000");
//   kademlia::Contact me = self.Get();
//
// Thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_SELF_CONTACT_H_
#define DATAMGMT_SERVICES_DHT_SELF_CONTACT_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"

namespace datamgmt::dht {

class SelfContact {
 public:
  SelfContact(kademlia::NodeId id, std::string address)
      : id_(id), address_(std::move(address)) {}
  SelfContact(const SelfContact&) = delete;
  SelfContact& operator=(const SelfContact&) = delete;

  kademlia::NodeId id() const {
    absl::MutexLock lock(&mu_);
    return id_;
  }

  kademlia::Contact Get() const {
    absl::MutexLock lock(&mu_);
    return kademlia::Contact{.id = id_, .address = address_};
  }

  // Replaces the advertised address. Returns InvalidArgument (keeping the
  // old one) unless `address` is a valid peer address
  // (common/net/peer_address.h).
  absl::Status SetAddress(std::string address);

  // Replaces the ID (identity rotation).
  void SetId(const kademlia::NodeId& id) {
    absl::MutexLock lock(&mu_);
    id_ = id;
  }

 private:
  mutable absl::Mutex mu_;
  kademlia::NodeId id_ ABSL_GUARDED_BY(mu_);
  std::string address_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_SELF_CONTACT_H_
