// SaveDebouncer: when peer-manager writes known_peers.json after batched
// changes. peers.proto: AddPeer and RemovePeer are written before they
// return; RecordContacts and MergePeers "may be batched and are written
// within 10 seconds". A failed write is retried after retry_delay.
//
//   debouncer.MarkDirty(now);                       // after a batch
//   if (debouncer.SaveDue(now)) {
//     uint64_t version = debouncer.version();       // under the table lock
//     KnownPeers snapshot = KnownPeersFromRecords(table.Records());
//     ...unlock, SaveKnownPeersFile(path, snapshot)...
//     ok ? debouncer.OnSaved(version) : debouncer.OnSaveFailed(now);
//   }
//
// A change made while a save is running keeps the file dirty: OnSaved only
// cleans up to the version that was snapshotted. Thread-compatible.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_SAVE_DEBOUNCER_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_SAVE_DEBOUNCER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace datamgmt::peer_manager {

struct SaveDebounceOptions {
  // Longest a change may wait before it is written. Must be positive.
  // Default: 10 seconds (peers.proto).
  absl::Duration max_delay = absl::Seconds(10);

  // Wait before retrying a failed write. Must be positive. Default: 10 s.
  absl::Duration retry_delay = absl::Seconds(10);

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class SaveDebouncer {
 public:
  // `options` must pass Validate().
  explicit SaveDebouncer(const SaveDebounceOptions& options)
      : options_(options) {}

  // The table changed at `now`: a save is due by now + max_delay (an
  // earlier pending deadline stands).
  void MarkDirty(absl::Time now);

  // True if there are unsaved changes and their deadline has come.
  bool SaveDue(absl::Time now) const;

  // True if there are unsaved changes.
  bool dirty() const { return saved_version_ != version_; }

  // The current change count; snapshot it with the records being saved.
  uint64_t version() const { return version_; }

  // The snapshot taken at `version` is on disk. Clean if nothing changed
  // since; otherwise the pending deadline stands.
  void OnSaved(uint64_t version);

  // The write failed at `now`: try again at now + retry_delay.
  void OnSaveFailed(absl::Time now);

  // When a save is next due; InfiniteFuture if clean.
  absl::Time deadline() const { return deadline_; }

 private:
  SaveDebounceOptions options_;
  uint64_t version_ = 0;
  uint64_t saved_version_ = 0;
  absl::Time deadline_ = absl::InfiniteFuture();
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_SAVE_DEBOUNCER_H_
