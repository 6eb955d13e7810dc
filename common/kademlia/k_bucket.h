// One k-bucket of a Kademlia routing table: up to `capacity` live contacts
// ordered from least to most recently seen, a bounded cache of replacement
// candidates heard from while the bucket was full, and the time the bucket
// was last touched (for the hourly refresh).
//
// KBucket is a container with no policy: it never decides to evict anyone.
// RoutingTable (routing_table.h) owns the policy (ping-before-evict, failure
// eviction, refresh) and is the only intended user.
//
//   KBucket bucket(/*capacity=*/20, /*replacement_capacity=*/20);
//   if (bucket.Upsert(contact, now) == KBucket::UpsertOutcome::kFull) {
//     bucket.AddReplacement(contact, now);
//     const BucketEntry* lrs = bucket.LeastRecentlySeen();  // ping it
//   }
//
// Thread-compatible: const methods may run concurrently; anything else needs
// external synchronisation.
#ifndef DATAMGMT_COMMON_KADEMLIA_K_BUCKET_H_
#define DATAMGMT_COMMON_KADEMLIA_K_BUCKET_H_

#include <cstddef>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"

namespace datamgmt::kademlia {

// A contact as a bucket (or its replacement cache) holds it.
struct BucketEntry {
  Contact contact;
  // When we last heard from it (an RPC from it or a response to us).
  absl::Time last_seen = absl::InfinitePast();
  // RPCs to it that failed since it was last seen. Reset when it is seen.
  int consecutive_failures = 0;
  // When the last RPC to it failed; InfinitePast if none has.
  absl::Time last_failure = absl::InfinitePast();
  // When the routing table asked the service to ping it before evicting it;
  // InfinitePast when no such ping is outstanding.
  absl::Time eviction_ping_requested = absl::InfinitePast();

  friend bool operator==(const BucketEntry&, const BucketEntry&) = default;
};

class KBucket {
 public:
  enum class UpsertOutcome {
    kInserted,  // new contact, appended as most recently seen
    kUpdated,   // known contact, refreshed and moved to most recently seen
    kFull,      // new contact, no room: nothing changed
  };

  // `capacity` (k) is clamped to at least 1, `replacement_capacity` to at
  // least 0.
  KBucket(int capacity, int replacement_capacity);

  int capacity() const { return capacity_; }
  int replacement_capacity() const { return replacement_capacity_; }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  bool full() const {
    return entries_.size() >= static_cast<size_t>(capacity_);
  }

  // Live contacts, least recently seen first.
  const std::vector<BucketEntry>& entries() const { return entries_; }
  // Replacement candidates, least recently seen (next to be dropped) first.
  const std::vector<BucketEntry>& replacements() const { return replacements_; }

  // The live entry for `id`, or nullptr. The pointer is invalidated by any
  // non-const call.
  const BucketEntry* Find(const NodeId& id) const;
  BucketEntry* Find(const NodeId& id);

  // The least recently seen live entry, or nullptr if the bucket is empty.
  const BucketEntry* LeastRecentlySeen() const;
  BucketEntry* LeastRecentlySeen();

  // Records that `contact` was heard from at `now`. A known contact takes the
  // new address, last_seen = now, loses its failure count and any pending
  // eviction ping, and becomes most recently seen (kUpdated). A new contact
  // is appended if there is room (kInserted; it also leaves the replacement
  // cache); otherwise nothing changes (kFull).
  UpsertOutcome Upsert(const Contact& contact, absl::Time now);

  // Removes the live entry for `id`. Returns false if there is none. Does
  // not promote a replacement (see PromoteReplacement).
  bool Remove(const NodeId& id);

  // Parks `contact` (heard from at `now`) as a replacement candidate. A
  // candidate already cached takes the new address and time and becomes the
  // freshest; when the cache overflows its least recently seen candidate is
  // dropped. Ignored if `contact` is a live entry or the capacity is 0.
  void AddReplacement(const Contact& contact, absl::Time now);

  // Removes the candidate `id` from the replacement cache. Returns false if
  // it is not there.
  bool RemoveReplacement(const NodeId& id);

  // Moves the most recently seen replacement candidate into the live list,
  // placed by its last_seen so the list stays least-recently-seen first.
  // Returns false (and does nothing) if the bucket is full or the cache is
  // empty.
  bool PromoteReplacement();
  // The same, for the freshest candidate for which `eligible` returns true;
  // false (and nothing changes) if there is none.
  bool PromoteReplacement(
      absl::FunctionRef<bool(const BucketEntry&)> eligible);

  // When the bucket was last touched (a contact in its range was heard from,
  // or it was refreshed); InfinitePast if never. Touch never moves it back.
  absl::Time last_touched() const { return last_touched_; }
  void Touch(absl::Time now);

 private:
  int capacity_;
  int replacement_capacity_;
  std::vector<BucketEntry> entries_;
  std::vector<BucketEntry> replacements_;
  absl::Time last_touched_ = absl::InfinitePast();
};

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_K_BUCKET_H_
