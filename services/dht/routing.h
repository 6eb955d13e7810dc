// The node's routing table, shared by every thread of dht-service: the core
// kademlia::RoutingTable behind a mutex, with time from an injected Clock and
// validation of contacts learned from the network.
//
// Routing decides; it never sends anything. When Learn reports a full
// bucket's ping-before-evict candidate, the caller pings it outside any lock
// and reports the outcome with OnPingResult (ContactLearner does exactly
// that).
//
//   absl::StatusOr<std::unique_ptr<Routing>> routing =
//       Routing::Create(self_id, kademlia::RoutingTableOptions{}, RealClock());
//   absl::StatusOr<std::optional<Contact>> ping = (*routing)->Learn(sender);
//   if (!ping.ok()) return ping.status();          // malformed sender
//   if (ping->has_value()) /* ping it, then */ (*routing)->OnPingResult(...);
//
// Thread-safe. Every method takes the lock for the duration of one core call;
// nothing here calls out while holding it.
#ifndef DATAMGMT_SERVICES_DHT_ROUTING_H_
#define DATAMGMT_SERVICES_DHT_ROUTING_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/k_bucket.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/routing_table.h"
#include "common/time/clock.h"

namespace datamgmt::dht {

// OK if `contact` can enter a routing table: its address is a valid peer
// address (common/net/peer_address.h). Returns InvalidArgument naming the
// problem. (A kademlia::Contact's ID is 32 bytes by construction; raw IDs from
// the wire are checked where they are parsed, in p2p_convert.)
absl::Status ValidateContact(const kademlia::Contact& contact);

class Routing {
 public:
  // Returns InvalidArgument if `options` fail Validate(). `clock` must
  // outlive the Routing.
  static absl::StatusOr<std::unique_ptr<Routing>> Create(
      kademlia::NodeId self, kademlia::RoutingTableOptions options,
      Clock& clock);

  Routing(const Routing&) = delete;
  Routing& operator=(const Routing&) = delete;

  // This node's ID (changed only by Rekey).
  kademlia::NodeId self() const;

  // Identity rotation: rebuilds the table around `self` with the same
  // options, re-adding every live contact (least recently seen first, with
  // its last_seen) that is not `self`; replacement caches and refresh times
  // start over. Returns the contacts kept.
  size_t Rekey(const kademlia::NodeId& self);

  // Records that `contact` was heard from now (the sender of an incoming
  // RPC, the responder of an answer). Returns the full bucket's
  // ping-before-evict candidate if one should be pinged now, else nullopt.
  // A contact whose address range already has its share of its bucket is
  // not learned (OK, nullopt; counted in prefix_rejections()).
  // Returns InvalidArgument, learning nothing, if ValidateContact fails;
  // FailedPrecondition, learning nothing, if `contact` is this node.
  absl::StatusOr<std::optional<kademlia::Contact>> Learn(
      const kademlia::Contact& contact);

  // Completes a ping-before-evict asked for by Learn: `responded` keeps the
  // candidate, otherwise it is evicted for the freshest newcomer.
  void OnPingResult(const kademlia::NodeId& id, bool responded);

  // An RPC to `id` failed (error, timeout or a malformed/tampered answer).
  // Returns true if the contact was evicted (core failure policy).
  bool MarkFailed(const kademlia::NodeId& id);

  // Removes `id` from the table and its replacement caches.
  bool Remove(const kademlia::NodeId& id);

  // If `contact` is not a live contact of the table but another ID is
  // listed at its address, that contact (the first found); else nullopt.
  // A node that rotated its identity, or a stale or false claim: the caller
  // dials the address to find out (ContactLearner). Scans the table, so
  // cheap only for contacts not known yet.
  std::optional<kademlia::Contact> OtherContactAt(
      const kademlia::Contact& contact) const;

  // The `n` contacts closest to `target`, nearest first; never this node.
  std::vector<kademlia::Contact> Closest(const kademlia::NodeId& target,
                                         size_t n) const;

  // Every live contact, by bucket.
  std::vector<kademlia::Contact> Contacts() const;
  std::optional<kademlia::BucketEntry> FindEntry(
      const kademlia::NodeId& id) const;
  size_t size() const;
  // Non-empty buckets, 0..256 (DhtStats.routing_table_buckets).
  size_t NonEmptyBuckets() const;

  // Contacts Learn turned away by the routing table's per-address-range
  // limit (kademlia::RoutingTableOptions::max_contacts_per_prefix).
  uint64_t prefix_rejections() const;

  // Buckets due for refresh now; the caller looks up a random ID in each
  // (kademlia::RandomIdInBucket) and then calls MarkRefreshed.
  std::vector<int> BucketsDueForRefresh() const;
  // Returns InvalidArgument unless 0 <= bucket < 256.
  absl::Status MarkRefreshed(int bucket);
  // When the next bucket becomes due (see RoutingTable).
  absl::Time NextRefreshDeadline() const;

 private:
  Routing(kademlia::RoutingTable table, Clock& clock);

  Clock& clock_;
  mutable absl::Mutex mu_;
  kademlia::RoutingTable table_ ABSL_GUARDED_BY(mu_);
  uint64_t prefix_rejections_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_ROUTING_H_
