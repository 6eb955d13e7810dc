#include "services/dht/routing.h"

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
    : self_(table.self()), clock_(clock), table_(std::move(table)) {}

absl::StatusOr<std::optional<Contact>> Routing::Learn(const Contact& contact) {
  if (absl::Status s = ValidateContact(contact); !s.ok()) return s;
  if (contact.id == self_) {
    return absl::FailedPreconditionError(absl::StrCat(
        "contact ", contact.id.ShortHex(), " is this node; not learned"));
  }
  const absl::Time now = clock_.Now();
  {
    absl::MutexLock lock(&mu_);
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
  for (const Contact& c : Contacts()) {
    if (std::optional<int> b = kademlia::BucketIndex(self_, c.id)) {
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
