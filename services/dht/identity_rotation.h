// Identity rotation: what a node that takes a new key (and so a new node ID)
// reports, the interface the local API calls, and the hand-over of every
// stored value to the nodes now responsible for it.
//
// DhtNode implements IdentityRotator (dht_node.h, dht_node_rotation.cc);
// DhtService.RotateIdentity (dht_api_service.h) calls it.
//
//   HandoverResult r = HandOverValues(store, data, /*concurrency=*/8);
//   spdlog::info("{} of {} values handed over", r.handed_over, r.values);
#ifndef DATAMGMT_SERVICES_DHT_IDENTITY_ROTATION_H_
#define DATAMGMT_SERVICES_DHT_IDENTITY_ROTATION_H_

#include <atomic>
#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "common/kademlia/node_id.h"
#include "services/dht/content_store.h"
#include "services/dht/data_ops.h"

namespace datamgmt::dht {

struct HandoverResult {
  // Values in local storage when the hand-over started.
  uint64_t values = 0;
  // Of those, values at least one other node accepted (a Store answered OK).
  uint64_t handed_over = 0;
  // Stores that answered OK, over all values.
  uint64_t replicas_stored = 0;
};

struct RotationResult {
  kademlia::NodeId old_id{};
  kademlia::NodeId new_id{};
  HandoverResult handover{};
};

class IdentityRotator {
 public:
  using RotateDone = absl::AnyInvocable<void(absl::StatusOr<RotationResult>)>;
  virtual ~IdentityRotator() = default;

  // Rotates the node's identity and calls `done` once, on a thread of the
  // implementation (or inline if the rotation cannot start).
  virtual void RotateIdentity(RotateDone done) = 0;
};

// Replicates every value held in `store` (a snapshot of its keys) to the k
// nodes closest to its key, through DataOps::Replicate (a lookup and k
// Stores per value), `concurrency` (at least 1) values at a time, and waits
// until every one is done. Values deleted meanwhile are skipped; once
// `stop` is true no further value is started. Blocks: never call it on a
// PeerClient completion thread.
HandoverResult HandOverValues(ContentStore& store, DataOps& data,
                              int concurrency, const std::atomic<bool>& stop);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_IDENTITY_ROTATION_H_
