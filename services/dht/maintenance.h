// dht-service's periodic work, as one entry point that takes the time and
// returns when it wants to run next:
//  * Bootstrap: while the routing table is empty, every
//    `bootstrap_interval` ask peer-manager for its healthy peers and ping up
//    to `bootstrap_peers` of them (each answer is learned; the join lookups
//    follow as bucket refreshes).
//  * Bucket refresh: for each bucket Routing says is due, look up a random
//    ID in it (RandomIdInBucket), then MarkRefreshed; at most
//    `max_refresh_lookups` at once.
//  * Sparse-table self-lookups: while the routing table holds some but
//    fewer than `sparse_table_size` contacts, look up this node's own ID
//    every `sparse_lookup_interval`, the interval doubling (up to
//    `max_sparse_lookup_interval`) each time a lookup leaves the table no
//    larger, and starting over when one grows it. Nodes that join at the
//    same time learn each other this way within seconds: a node's join
//    lookups only find the nodes its bootstrap peer knew at that moment,
//    and the bucket refreshes that would find the rest are an hour away.
//  * Republish: every `republish_interval`, re-store each key held in the
//    ContentStore at the k closest live nodes (DataOps::Replicate), at most
//    `republish_concurrency` keys at once, a batch every `republish_pace`.
//  * Reporter flush (PeerManagerReporter::Flush).
//
//   Maintenance m(deps, {}, clock.Now());
//   while (!stopping) wait_until(m.Tick(clock.Now()));   // main's loop
//
// Tests step a FakeClock and call Tick; nothing here reads a clock or
// sleeps. Lookups and stores run asynchronously; Tick never blocks on them.
//
// Thread-safe. Everything in MaintenanceDeps must outlive the Maintenance,
// which must outlive the lookups it started (destroy the GrpcPeerClient,
// which waits for its calls, first).
#ifndef DATAMGMT_SERVICES_DHT_MAINTENANCE_H_
#define DATAMGMT_SERVICES_DHT_MAINTENANCE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/protocol_constants.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/dht/contact_learner.h"
#include "services/dht/content_store.h"
#include "services/dht/data_ops.h"
#include "services/dht/lookup_runner.h"
#include "services/dht/peer_client.h"
#include "services/dht/peer_manager_reporter.h"
#include "services/dht/routing.h"

namespace datamgmt::dht {

struct MaintenanceOptions {
  // How often every held key is re-stored. Must be positive.
  // Default: kDefaultRepublishInterval (1 hour).
  absl::Duration republish_interval = kademlia::kDefaultRepublishInterval;
  // Keys being republished at once. At least 1. Default: 4.
  int republish_concurrency = 4;
  // Time between republish batches within a round. Must be positive.
  // Default: 50 ms.
  absl::Duration republish_pace = absl::Milliseconds(50);
  // Bucket-refresh lookups at once. At least 1. Default: 4.
  int max_refresh_lookups = 4;
  // How often an empty routing table asks peer-manager for peers. Must be
  // positive. Default: kDefaultRebootstrapDelay (30 s).
  absl::Duration bootstrap_interval = kademlia::kDefaultRebootstrapDelay;
  // Peers pinged per bootstrap. At least 1. Default: 20.
  int bootstrap_peers = 20;
  // Below this many contacts the table counts as sparse. 0 turns the
  // self-lookups off. Default: kDefaultK (20); dht-service passes its k.
  int sparse_table_size = kademlia::kDefaultK;
  // First and largest interval between sparse-table self-lookups. Positive,
  // first <= largest. Default: 2 s and 5 min.
  absl::Duration sparse_lookup_interval = absl::Seconds(2);
  absl::Duration max_sparse_lookup_interval = absl::Minutes(5);
  // Deadline of ListPeers. Must be positive. Default: 2 s.
  absl::Duration peer_manager_timeout = absl::Seconds(2);
  // Bounds of the delay Tick returns: never sooner (no busy loop while
  // lookups are in flight), never later (an idle node still notices a
  // new contact). Positive, min_tick <= max_tick. Default: 100 ms, 10 s.
  absl::Duration min_tick = absl::Milliseconds(100);
  absl::Duration max_tick = absl::Seconds(10);

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// What the maintenance works with; none of it is owned.
struct MaintenanceDeps {
  Routing* routing = nullptr;         // required
  LookupRunner* runner = nullptr;     // required
  DataOps* data = nullptr;            // required
  ContentStore* store = nullptr;      // required
  PeerClient* client = nullptr;       // required (bootstrap pings)
  ContactLearner* learner = nullptr;  // required
  // Optional: flushed on every Tick.
  PeerManagerReporter* reporter = nullptr;
  // Optional: without it there is no bootstrap.
  peers::v1::PeerManager::StubInterface* peer_manager = nullptr;
};

struct MaintenanceStats {
  uint64_t refresh_lookups = 0;   // started
  uint64_t republish_rounds = 0;  // completed
  uint64_t keys_republished = 0;  // replications completed
  uint64_t replicas_stored = 0;   // Stores that answered OK
  size_t republish_queued = 0;    // keys waiting in this round
  int republish_in_flight = 0;
  uint64_t bootstraps = 0;  // peer-manager asked
  uint64_t sparse_lookups = 0;  // self-lookups of a sparse table, started
  bool sparse_lookup_in_flight = false;
};

class Maintenance {
 public:
  // Returns InvalidArgument if a required dependency is missing or
  // `options` fail Validate(). The first republish is due at
  // now + republish_interval.
  static absl::StatusOr<std::unique_ptr<Maintenance>> Create(
      MaintenanceDeps deps, MaintenanceOptions options, absl::Time now);

  // Starts whatever is due at `now` and returns when to call Tick again
  // (in [now + min_tick, now + max_tick]).
  absl::Time Tick(absl::Time now);

  MaintenanceStats stats() const;

  // Waits for a bootstrap ListPeers in flight (it has a deadline).
  ~Maintenance();

 private:
  Maintenance(MaintenanceDeps deps, MaintenanceOptions options, absl::Time now)
      : deps_(deps),
        options_(options),
        next_republish_(now + options.republish_interval),
        next_sparse_lookup_(now + options.sparse_lookup_interval),
        sparse_interval_(options.sparse_lookup_interval) {}

  void StartBootstrap();
  // Starts a sparse-table self-lookup if one is due at `now`; returns when
  // the next one is due (InfiniteFuture while one runs or none is needed).
  absl::Time SparseLookup(absl::Time now);
  void RefreshBuckets();
  // Starts the republish work due at `now`; returns its next deadline.
  absl::Time Republish(absl::Time now);

  const MaintenanceDeps deps_;
  const MaintenanceOptions options_;

  mutable absl::Mutex mu_;
  absl::BitGen gen_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<int> refreshing_ ABSL_GUARDED_BY(mu_);
  absl::Time next_bootstrap_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_republish_ ABSL_GUARDED_BY(mu_);
  bool round_active_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time round_started_ ABSL_GUARDED_BY(mu_);
  std::deque<kademlia::NodeId> queue_ ABSL_GUARDED_BY(mu_);
  MaintenanceStats stats_ ABSL_GUARDED_BY(mu_);
  int bootstrap_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_sparse_lookup_ ABSL_GUARDED_BY(mu_);
  absl::Duration sparse_interval_ ABSL_GUARDED_BY(mu_);
  bool sparse_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  // Set by a finished self-lookup for the next Tick: whether it grew the
  // table (size before it started in sparse_size_before_).
  std::optional<bool> sparse_grew_ ABSL_GUARDED_BY(mu_);
  size_t sparse_size_before_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_MAINTENANCE_H_
