// A node's Kademlia routing table: 256 k-buckets of contacts, indexed by
// BucketIndex(self, id), with ping-before-evict, failure eviction and
// periodic bucket refresh.
//
// The table decides and the service acts: no method does I/O, reads the
// clock or draws random numbers. The service calls Add whenever it hears from
// a node, carries out the ping that a full bucket asks for and reports back
// with OnPingResult, reports failed RPCs with MarkFailed, and refreshes the
// buckets that BucketsDueForRefresh names by looking up
// RandomIdInBucket(self, bucket, gen).
//
//   RoutingTable table(self, RoutingTableOptions{});
//   AddResult r = table.Add(contact, now);
//   if (r.ping_candidate) {
//     bool ok = /* the service pings r.ping_candidate->address */;
//     table.OnPingResult(r.ping_candidate->id, ok, later);
//   }
//   std::vector<Contact> nearest = table.Closest(key, options.k);
//
// Policies:
//  * Ping-before-evict. A newcomer that finds its bucket full is parked in
//    the bucket's replacement cache and the least recently seen contact is
//    handed out as a ping candidate. If it answers it becomes most recently
//    seen and the newcomer waits; if not, it is evicted and the freshest
//    candidate takes its place. While that ping is outstanding further
//    newcomers are parked without asking for another ping, unless
//    `eviction_ping_timeout` has passed since it was asked for. No ping is
//    asked for at all while the least recently seen contact was heard from
//    within `fresh_contact_window` (it is known to be alive: pinging it
//    would only cost traffic, and in a busy network such pings cascade).
//  * Failures. MarkFailed evicts a contact once `max_consecutive_failures`
//    RPCs in a row have failed, or at its first failure if its bucket has a
//    replacement waiting (a live candidate beats a doubtful incumbent). The
//    freshest replacement, if any, takes its place. Hearing from a contact
//    resets its count.
//  * Refresh. A bucket is touched when a contact in its range is added or
//    heard from and when MarkRefreshed is called for it (the service calls
//    it after looking up an ID in the bucket). Every bucket from the nearest
//    non-empty one up to bucket 255 is refreshed `bucket_refresh_interval`
//    after its last touch; one never touched is due at once (the join-time
//    refresh of the Kademlia paper). Buckets nearer than every contact are
//    never due: no lookup could find anyone there.
//  * Address ranges (eclipse resistance). A bucket holds at most
//    `max_contacts_per_prefix` live contacts whose addresses fall in one
//    range (an IPv4 /24 or an IPv6 /64; loopback and DNS names are not
//    limited; see address_prefix.h), and its replacement cache at most as
//    many candidates of one range. A newcomer from a range that has its
//    share is rejected (kRejectedPrefixLimit), as is a known contact that
//    moves its address into such a range (it keeps its old address). A
//    range whose candidates fill their share loses its oldest candidate to
//    a newer one of the same range, never another range's. Promotions skip
//    candidates whose range has its share. So one address block can take
//    at most that share of any bucket, however many node IDs it makes up.
//
// Thread-compatible: const methods may run concurrently; anything else needs
// external synchronisation (the service's executor or mutex).
#ifndef DATAMGMT_COMMON_KADEMLIA_ROUTING_TABLE_H_
#define DATAMGMT_COMMON_KADEMLIA_ROUTING_TABLE_H_

#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/k_bucket.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/protocol_constants.h"

namespace datamgmt::kademlia {

struct RoutingTableOptions {
  // Contacts per bucket (Kademlia's k). Must be at least 1.
  // Default: kDefaultK (20).
  int k = kDefaultK;

  // Replacement candidates kept per bucket; the least recently seen is
  // dropped when more arrive. Must be at least 0 (0 disables the cache).
  // Default: unset, meaning the same as `k`.
  std::optional<int> replacement_cache_size;

  // A bucket untouched this long is due for refresh. Must be positive.
  // Default: kDefaultBucketRefreshInterval (1 hour).
  absl::Duration bucket_refresh_interval = kDefaultBucketRefreshInterval;

  // Consecutive failed RPCs after which MarkFailed evicts a contact even
  // with no replacement waiting. Must be at least 1. Default: 3.
  int max_consecutive_failures = 3;

  // How long an eviction ping may stay unanswered before a full bucket asks
  // for it again (in case the service lost the result). Must be positive.
  // Default: 1 minute.
  absl::Duration eviction_ping_timeout = absl::Minutes(1);

  // A full bucket's least recently seen contact heard from this recently is
  // kept without an eviction ping; the newcomer waits in the replacement
  // cache. Zero pings every time (the paper's rule). Must not be negative.
  // Default: 1 minute.
  absl::Duration fresh_contact_window = absl::Minutes(1);

  // Most contacts of one bucket (and, separately, of its replacement cache)
  // from one address range (address_prefix.h: an IPv4 /24 or an IPv6 /64;
  // loopback and DNS names are never limited). 0 disables the limit. Must
  // be at least 0. Default: unset, meaning half a bucket, k / 2 (10 for
  // k = 20), and at least 1.
  std::optional<int> max_contacts_per_prefix;

  // Returns InvalidArgument naming the first field out of range.
  absl::Status Validate() const;

  // replacement_cache_size, or k when it is unset.
  int EffectiveReplacementCacheSize() const {
    return replacement_cache_size.value_or(k);
  }
  // max_contacts_per_prefix, or max(1, k / 2) when it is unset; 0: no limit.
  int EffectiveMaxContactsPerPrefix() const {
    return max_contacts_per_prefix.value_or(k / 2 > 1 ? k / 2 : 1);
  }
};

// What the table decided when told about a contact.
struct AddResult {
  enum class Outcome {
    kInserted,     // new contact; its bucket had room
    kUpdated,      // already known: now most recently seen, address updated
    kIgnoredSelf,  // contact.id == self; the table never holds itself
    kBucketFull,   // new contact parked in its bucket's replacement cache
    // Not added (nothing changed): its address range already has its share
    // of the bucket (max_contacts_per_prefix). The service counts these.
    kRejectedPrefixLimit,
  };
  Outcome outcome;
  // With kBucketFull: the least recently seen contact of that bucket, which
  // the service should ping and report with OnPingResult. nullopt when a
  // ping of it is already outstanding, and with every other outcome.
  std::optional<Contact> ping_candidate = std::nullopt;
};

class RoutingTable {
 public:
  // Returns InvalidArgument if `options` fail Validate().
  static absl::StatusOr<RoutingTable> Create(NodeId self,
                                             RoutingTableOptions options);

  // Precondition: options.Validate().ok(); use Create for options from
  // configuration. Out-of-range counts are clamped (k and
  // max_consecutive_failures to 1, the cache to 0); a non-positive duration
  // makes buckets always due, or eviction pings always re-requested.
  RoutingTable(NodeId self, RoutingTableOptions options);

  // Movable, not copyable.
  RoutingTable(RoutingTable&&) = default;
  RoutingTable& operator=(RoutingTable&&) = default;

  const NodeId& self() const { return self_; }
  const RoutingTableOptions& options() const { return options_; }

  // Records that `contact` was heard from at `now` (any incoming RPC or any
  // response) and returns the decision; see AddResult and the policies
  // above. Touches the contact's bucket unless it is self or rejected by
  // the address-range limit (kRejectedPrefixLimit).
  AddResult Add(const Contact& contact, absl::Time now);

  // Completes a ping-before-evict. If `responded`, the contact becomes most
  // recently seen (as if Add-ed at `now`) and the parked newcomers keep
  // waiting; otherwise it is evicted and the freshest replacement takes its
  // place. Does nothing if `id` is not a contact in the table.
  void OnPingResult(const NodeId& id, bool responded, absl::Time now);

  // Records that an RPC to `id` failed or timed out at `now`, evicting it
  // under the failure policy above. Returns true if it was evicted; false if
  // it stays or is not in the table. Never changes last_seen.
  bool MarkFailed(const NodeId& id, absl::Time now);

  // Removes `id`, promoting the freshest replacement into its place, and
  // drops it from the replacement cache. Returns false if the table held it
  // neither as a contact nor as a candidate.
  bool Remove(const NodeId& id);

  // The `n` contacts XOR-closest to `target`, nearest first; fewer if the
  // table holds fewer. Never includes self. Costs O(256 + m log k) where m
  // is the number of contacts in the buckets it has to visit.
  std::vector<Contact> Closest(const NodeId& target, size_t n) const;

  // Number of live contacts (replacement candidates are not counted).
  size_t size() const;
  bool empty() const { return size() == 0; }

  // The contact with this ID, or nullopt (also for self and candidates).
  std::optional<Contact> Find(const NodeId& id) const;
  // The same, with its bookkeeping (last_seen, failures).
  std::optional<BucketEntry> FindEntry(const NodeId& id) const;

  // Every live contact, by bucket (0 to 255), least recently seen first.
  std::vector<Contact> Contacts() const;
  std::vector<BucketEntry> Entries() const;

  // Buckets due for refresh at `now`, ascending; see the refresh policy.
  std::vector<int> BucketsDueForRefresh(absl::Time now) const;

  // Records that bucket `bucket` was refreshed (a lookup for an ID in its
  // range completed) at `now`. Returns InvalidArgument unless
  // 0 <= bucket < 256.
  absl::Status MarkRefreshed(int bucket, absl::Time now);

  // The earliest time a bucket becomes due (InfinitePast if one is due now
  // and was never touched), or InfiniteFuture if the table is empty. The
  // service's driver loop sleeps until then.
  absl::Time NextRefreshDeadline() const;

 private:
  const KBucket* BucketAt(int index) const { return buckets_[index].get(); }
  // Allocates the bucket on first use.
  KBucket& MutableBucket(int index);
  // The bucket holding `id` as a contact, or nullptr.
  KBucket* BucketOf(const NodeId& id);
  // Removes `id` from `bucket` and promotes the freshest replacement whose
  // address range has room.
  void Evict(KBucket& bucket, const NodeId& id);
  // The range of `contact`'s address that the prefix limit applies to, or
  // nullopt if the limit is off or the address is not limited.
  std::optional<std::string> LimitedPrefix(const Contact& contact) const;
  // Entries of `list` other than `except` whose address is in `prefix`,
  // least recently seen first.
  std::vector<const BucketEntry*> InPrefix(const std::vector<BucketEntry>& list,
                                           const std::string& prefix,
                                           const NodeId& except) const;
  // When bucket `index` is due for refresh (InfinitePast if never touched).
  absl::Time RefreshDeadline(int index) const;
  // The nearest non-empty bucket's index, or nullopt if the table is empty.
  std::optional<int> NearestNonEmptyBucket() const;

  NodeId self_;
  RoutingTableOptions options_;
  // Bucket i holds the contacts c with BucketIndex(self_, c.id) == i.
  // Allocated lazily: most of a table's nearer buckets stay empty.
  std::array<std::unique_ptr<KBucket>, kIdBits> buckets_;
};

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_ROUTING_TABLE_H_
