#include "services/dht/routing.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/net/peer_address.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;

absl::Status ValidateContact(const Contact& contact) {
  return net::ValidatePeerAddress(contact.address);
}

absl::StatusOr<std::unique_ptr<Routing>> Routing::Create(
    NodeId self, kademlia::RoutingTableOptions options, Clock& clock) {
  absl::StatusOr<kademlia::RoutingTable> table =
      kademlia::RoutingTable::Create(self, std::move(options));
  if (!table.ok()) return table.status();
  return std::unique_ptr<Routing>(new Routing(std::move(*table), clock));
}

Routing::Routing(kademlia::RoutingTable table, Clock& clock)
    : clock_(clock), table_(std::move(table)) {}

NodeId Routing::self() const {
  absl::MutexLock lock(&mu_);
  return table_.self();
}

size_t Routing::Rekey(const NodeId& self) {
  absl::MutexLock lock(&mu_);
  std::vector<kademlia::BucketEntry> entries = table_.Entries();
  std::stable_sort(entries.begin(), entries.end(),
                   [](const kademlia::BucketEntry& a,
                      const kademlia::BucketEntry& b) {
                     return a.last_seen < b.last_seen;
                   });
  kademlia::RoutingTable table(self, table_.options());
  for (const kademlia::BucketEntry& entry : entries) {
    if (entry.contact.id == self) continue;
    table.Add(entry.contact, entry.last_seen);
  }
  table_ = std::move(table);
  return table_.size();
}

absl::StatusOr<std::optional<Contact>> Routing::Learn(const Contact& contact) {
  if (absl::Status s = ValidateContact(contact); !s.ok()) return s;
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
    if (contact.id == table_.self()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "contact ", contact.id.ShortHex(), " is this node; not learned"));
    }
    kademlia::AddResult result = table_.Add(contact, now);
    if (result.outcome != kademlia::AddResult::Outcome::kRejectedPrefixLimit) {
      return std::move(result.ping_candidate);
    }
    ++prefix_rejections_;
  }
  spdlog::debug(
      "node {} at {} not added to the routing table: its address range has "
      "its share of the bucket",
      contact.id.ShortHex(), contact.address);
  return std::nullopt;
}

uint64_t Routing::prefix_rejections() const {
  absl::MutexLock lock(&mu_);
  return prefix_rejections_;
}

void Routing::OnPingResult(const NodeId& id, bool responded) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  table_.OnPingResult(id, responded, now);
}

bool Routing::MarkFailed(const NodeId& id) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return table_.MarkFailed(id, now);
}

bool Routing::Remove(const NodeId& id) {
  absl::MutexLock lock(&mu_);
  return table_.Remove(id);
}

std::optional<Contact> Routing::OtherContactAt(const Contact& contact) const {
  absl::MutexLock lock(&mu_);
  if (table_.Find(contact.id).has_value()) return std::nullopt;
  for (const Contact& c : table_.Contacts()) {
    if (c.address == contact.address && c.id != contact.id) return c;
  }
  return std::nullopt;
}

std::vector<Contact> Routing::Closest(const NodeId& target, size_t n) const {
  absl::MutexLock lock(&mu_);
  return table_.Closest(target, n);
}

std::vector<Contact> Routing::Contacts() const {
  absl::MutexLock lock(&mu_);
  return table_.Contacts();
}

std::optional<kademlia::BucketEntry> Routing::FindEntry(
    const NodeId& id) const {
  absl::MutexLock lock(&mu_);
  return table_.FindEntry(id);
}

size_t Routing::size() const {
  absl::MutexLock lock(&mu_);
  return table_.size();
}

size_t Routing::NonEmptyBuckets() const {
  absl::flat_hash_set<int> buckets;
  const NodeId me = self();
  for (const Contact& c : Contacts()) {
    if (std::optional<int> b = kademlia::BucketIndex(me, c.id)) {
      buckets.insert(*b);
    }
  }
  return buckets.size();
}

std::vector<int> Routing::BucketsDueForRefresh() const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return table_.BucketsDueForRefresh(now);
}

absl::Status Routing::MarkRefreshed(int bucket) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return table_.MarkRefreshed(bucket, now);
}

absl::Time Routing::NextRefreshDeadline() const {
  absl::MutexLock lock(&mu_);
  return table_.NextRefreshDeadline();
}

}  // namespace datamgmt::dht
