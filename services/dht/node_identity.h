// The node's persistent identity: created on first start, kept in the data
// directory, so a restarted node keeps its ID (and its place in the DHT).
//
//   absl::StatusOr<NodeId> id = LoadOrCreateNodeId("/var/lib/datamgmt", gen);
//
// The file is `<data_dir>/node_id`: 64 lowercase hex digits and a newline,
// owner-readable only, written atomically.
#ifndef DATAMGMT_SERVICES_DHT_NODE_IDENTITY_H_
#define DATAMGMT_SERVICES_DHT_NODE_IDENTITY_H_

#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "common/kademlia/node_id.h"

namespace datamgmt::dht {

inline constexpr char kNodeIdFileName[] = "node_id";

// Returns the ID stored in `data_dir`, or creates, stores and returns a new
// random one if there is none. Returns FailedPrecondition naming the file if
// it exists but does not hold a valid ID (it is never overwritten: a node
// must not change identity by accident), or the I/O error.
absl::StatusOr<kademlia::NodeId> LoadOrCreateNodeId(const std::string& data_dir,
                                                    absl::BitGenRef gen);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_NODE_IDENTITY_H_
