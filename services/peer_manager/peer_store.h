// PeerStore: peer-manager's shared state — the PeerTable, the save
// debouncer and the discovery schedule — behind one mutex, plus the
// persistence of known_peers.json. The gRPC service and the driver loop both
// work through it.
//
//   absl::StatusOr<std::unique_ptr<PeerStore>> store =
//       PeerStore::Create(options, bootstrap_peers_configured, now);
//   (*store)->Restore(records);
//   absl::StatusOr<AddOutcome> added = (*store)->Add("10.0.0.7:8000", "", now);
//   absl::Status saved = (*store)->Save(now);   // snapshot, then write
//
// Every table change calls DiscoverySchedule::ObservePeerCount and bumps a
// change generation that WaitForChange observes. Batched changes
// (RecordContacts, MergeHints) mark the debouncer dirty; Add and Remove
// are saved by their caller before it answers.
//
// Locking: state is guarded by mu_; no lock on mu_ is held while the file
// is written. Writers are serialised by save_mu_ (only Save takes it), so a
// newer snapshot is never overwritten by an older one.
//
// Thread-safe.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_STORE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/peer_manager/discovery_schedule.h"
#include "services/peer_manager/peer_record.h"
#include "services/peer_manager/peer_standings.h"
#include "services/peer_manager/peer_table.h"
#include "services/peer_manager/save_debouncer.h"

namespace datamgmt::peer_manager {

struct PeerStoreOptions {
  // The table's rules (capacity, health thresholds). Default: see the struct.
  PeerTableOptions table;
  // Bootstrap/exchange timing. Default: the seed's (5 min, 30 s).
  DiscoveryOptions discovery;
  // Batching of saves. Default: within 10 s.
  SaveDebounceOptions save;
  // Path of known_peers.json; empty: nothing is persisted (Save is a
  // no-op). Default: empty.
  std::string known_peers_path;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class PeerStore {
 public:
  // Returns InvalidArgument for bad options.
  static absl::StatusOr<std::unique_ptr<PeerStore>> Create(
      const PeerStoreOptions& options, bool has_bootstrap_peers,
      absl::Time start);

  // PeerTable's operations (see peer_table.h for results and errors),
  // with dht-service's reported standings applied (peer_standings.h): a
  // banned peer is never healthy (so never listed with healthy_only, never
  // counted healthy, never shared), and List without healthy_only, and
  // Get, also return banned addresses that the table does not hold.
  std::vector<PeerView> List(bool healthy_only, absl::Time now) const;
  absl::StatusOr<PeerView> Get(absl::string_view address, absl::Time now) const;
  PeerCounts Stats(absl::Time now) const;
  // Replaces the reported standings; see PeerStandings::Replace.
  absl::StatusOr<int> ReplaceStandings(std::vector<ReportedStanding> s,
                                       absl::Time now);
  absl::StatusOr<AddOutcome> Add(absl::string_view address,
                                 absl::string_view node_id_hex, absl::Time now);
  absl::StatusOr<PeerRecord> Remove(absl::string_view address,
                                    std::optional<absl::Time> last_seen_before,
                                    absl::Time now);
  absl::StatusOr<RecordContactsOutcome> RecordContacts(
      absl::Span<const ContactResult> results, absl::Time now);
  absl::StatusOr<MergeOutcome> MergeHints(absl::Span<const PeerHint> hints,
                                          absl::Time now);
  // Inserts persisted records (start-up); not marked dirty.
  RestoreOutcome Restore(std::vector<PeerRecord> records, absl::Time now);

  // Writes the table to known_peers_path now (atomically). On failure the
  // debouncer retries later and the write error is returned.
  absl::Status Save(absl::Time now) ABSL_LOCKS_EXCLUDED(mu_, save_mu_);
  // Save(now) if the debouncer says a save is due; OK otherwise.
  absl::Status SaveIfDue(absl::Time now) ABSL_LOCKS_EXCLUDED(mu_, save_mu_);
  // Save(now) if there are unsaved changes.
  absl::Status SaveIfDirty(absl::Time now) ABSL_LOCKS_EXCLUDED(mu_, save_mu_);

  // The discovery schedule, under the lock (discovery_schedule.h).
  DiscoveryDecision Due(absl::Time now) const;
  void OnBootstrapStarted(absl::Time now);
  void OnBootstrapFinished(bool any_answered, absl::Time now,
                           absl::BitGenRef gen);
  void OnBootstrapDeferred(absl::Time now);
  void OnExchangeStarted(absl::Time now);
  // The earliest of the schedule's next wakeup and the save deadline.
  absl::Time NextWakeup(absl::Time now) const;

  // Blocks until the change generation differs from `seen`, Stop() is
  // called, or `timeout` passes (real time). Returns the generation.
  uint64_t WaitForChange(uint64_t seen, absl::Duration timeout) const;
  uint64_t generation() const;
  // Wakes every WaitForChange for good.
  void Stop();

 private:
  PeerStore(PeerStoreOptions options, PeerTable table,
            DiscoverySchedule schedule);
  // After a table change at `now`: observe the count, bump the generation,
  // and mark dirty if `batched`.
  void Changed(absl::Time now, bool batched) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Applies the standing of `view`'s peer at `now`.
  void ApplyStanding(PeerView& view, absl::Time now) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const PeerStoreOptions options_;
  mutable absl::Mutex save_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  PeerTable table_ ABSL_GUARDED_BY(mu_);
  PeerStandings standings_ ABSL_GUARDED_BY(mu_);
  SaveDebouncer debouncer_ ABSL_GUARDED_BY(mu_);
  DiscoverySchedule schedule_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_STORE_H_
