// A contact: what one node knows about how to reach another.
//
//   Contact c{.id = *NodeId::FromHex(hex), .address = "10.0.0.7:8000"};
//
// A value type; thread-compatible.
#ifndef DATAMGMT_COMMON_KADEMLIA_CONTACT_H_
#define DATAMGMT_COMMON_KADEMLIA_CONTACT_H_

#include <string>

#include "common/kademlia/node_id.h"

namespace datamgmt::kademlia {

struct Contact {
  // The node's ID (for a TLS-authenticated peer, bound to its key).
  NodeId id;
  // The address it advertises for its P2P port, "host:port" (IPv6 hosts in
  // brackets). Opaque to the core: only the service dials it.
  std::string address;

  friend bool operator==(const Contact&, const Contact&) = default;
};

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_CONTACT_H_
