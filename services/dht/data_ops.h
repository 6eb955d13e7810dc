// Put and get of content-addressed values across the DHT: the logic behind
// DhtService (dht_api_service.h) and the republish (maintenance.h), with no
// protobuf and no server types.
//
//   auto ops = DataOps::Create(*store, *runner, *client, {});
//   ops.Put(bytes, [](absl::StatusOr<PutResult> r) { r->replicas; });
//   ops.Get(key, [](absl::StatusOr<std::string> v) { ... });
//
// Put: checks the size, stores locally, finds the k closest nodes to the
// key with an iterative FIND_NODE lookup and sends each a Store.
// Lookups go through LookupRunner::Start (seeded with 2k contacts). The replica
// count is 1 (this node) + the Stores that answered OK; in a network of N
// reachable nodes that is min(k, N - 1) + 1.
// Get: local storage first (a corrupt local entry is deleted and re-fetched);
// else an iterative FIND_VALUE lookup, whose value the PeerClient has
// verified against the key; a value found remotely is stored locally.
//
// Thread-safe. Completions run on PeerClient completion threads, or inline
// (local hits, errors, a client that completes inline). `store`, `runner`
// and `client` must outlive every operation: destroy the
// GrpcPeerClient (which waits for its calls) before the others.
#ifndef DATAMGMT_SERVICES_DHT_DATA_OPS_H_
#define DATAMGMT_SERVICES_DHT_DATA_OPS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/protocol_constants.h"
#include "services/dht/content_store.h"
#include "services/dht/lookup_runner.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/peer_client.h"

namespace datamgmt::dht {

struct DataOpsOptions {
  // Largest value accepted (a flag of dht-service). 1..1 MiB (the protocol
  // limit). Default: 1 MiB.
  size_t max_value_bytes = kMaxValueBytes;
  // Deadline of each replica Store; zero means the PeerClient's default
  // (GrpcPeerClient: 5 s). Must not be negative.
  absl::Duration store_timeout = absl::ZeroDuration();

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

struct PutResult {
  kademlia::NodeId key{};
  uint64_t size = 0;
  // Nodes holding the value when Put completed, this node included.
  uint32_t replicas = 0;
};

class DataOps {
 public:
  using PutDone = absl::AnyInvocable<void(absl::StatusOr<PutResult>)>;
  using GetDone = absl::AnyInvocable<void(absl::StatusOr<std::string>)>;
  // The number of Stores that answered OK.
  using ReplicateDone = absl::AnyInvocable<void(int)>;

  // Returns InvalidArgument if `options` fail Validate(). The lookup's k
  // (LookupRunnerOptions) is the replication factor.
  static absl::StatusOr<std::unique_ptr<DataOps>> Create(
      ContentStore& store, LookupRunner& runner, PeerClient& client,
      DataOpsOptions options);

  // OK if a value of `size` bytes may be put: InvalidArgument if empty,
  // ResourceExhausted naming the limit if longer than max_value_bytes.
  absl::Status CheckSize(uint64_t size) const;

  // Stores `value` locally, then at the k closest nodes. Fails (inline,
  // storing nothing) with CheckSize's errors; with ResourceExhausted or
  // Internal if local storage fails. Remote failures only lower replicas.
  void Put(std::string value, PutDone done);

  // The value under `key`; NotFound("Data not found") if neither this node
  // nor the network has it.
  void Get(const kademlia::NodeId& key, GetDone done);

  // Finds the k closest nodes to `key` and Stores `value` at each (no local
  // store). Used by Put and by the republish.
  void Replicate(const kademlia::NodeId& key,
                 std::shared_ptr<const std::string> value, ReplicateDone done);

  const DataOpsOptions& options() const { return options_; }

 private:
  DataOps(ContentStore& store, LookupRunner& runner, PeerClient& client,
          DataOpsOptions options)
      : store_(store),
        runner_(runner),
        client_(client),
        options_(std::move(options)) {}

  ContentStore& store_;
  LookupRunner& runner_;
  PeerClient& client_;
  const DataOpsOptions options_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_DATA_OPS_H_
