#include "common/kademlia/routing_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/kademlia/address_prefix.h"

namespace datamgmt::kademlia {
namespace {

RoutingTableOptions Clamped(RoutingTableOptions options) {
  options.k = std::max(options.k, 1);
  if (options.replacement_cache_size.has_value()) {
    options.replacement_cache_size =
        std::max(*options.replacement_cache_size, 0);
  }
  if (options.max_contacts_per_prefix.has_value()) {
    options.max_contacts_per_prefix =
        std::max(*options.max_contacts_per_prefix, 0);
  }
  options.max_consecutive_failures =
      std::max(options.max_consecutive_failures, 1);
  return options;
}

}  // namespace

absl::Status RoutingTableOptions::Validate() const {
  if (k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("k must be at least 1, got ", k));
  }
  if (replacement_cache_size.has_value() && *replacement_cache_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("replacement_cache_size must be at least 0, got ",
                     *replacement_cache_size));
  }
  if (bucket_refresh_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("bucket_refresh_interval must be positive, got ",
                     absl::FormatDuration(bucket_refresh_interval)));
  }
  if (max_consecutive_failures < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_consecutive_failures must be at least 1, got ",
                     max_consecutive_failures));
  }
  if (fresh_contact_window < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("fresh_contact_window must not be negative, got ",
                     absl::FormatDuration(fresh_contact_window)));
  }
  if (eviction_ping_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("eviction_ping_timeout must be positive, got ",
                     absl::FormatDuration(eviction_ping_timeout)));
  }
  if (max_contacts_per_prefix.has_value() && *max_contacts_per_prefix < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_contacts_per_prefix must be at least 0, got ",
                     *max_contacts_per_prefix));
  }
  return absl::OkStatus();
}

absl::StatusOr<RoutingTable> RoutingTable::Create(NodeId self,
                                                  RoutingTableOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return RoutingTable(self, std::move(options));
}

RoutingTable::RoutingTable(NodeId self, RoutingTableOptions options)
    : self_(self), options_(Clamped(std::move(options))) {}

KBucket& RoutingTable::MutableBucket(int index) {
  std::unique_ptr<KBucket>& bucket = buckets_[index];
  if (bucket == nullptr) {
    bucket = std::make_unique<KBucket>(
        options_.k, options_.EffectiveReplacementCacheSize());
  }
  return *bucket;
}

KBucket* RoutingTable::BucketOf(const NodeId& id) {
  std::optional<int> index = BucketIndex(self_, id);
  if (!index.has_value()) return nullptr;
  KBucket* bucket = buckets_[*index].get();
  if (bucket == nullptr || bucket->Find(id) == nullptr) return nullptr;
  return bucket;
}

std::optional<std::string> RoutingTable::LimitedPrefix(
    const Contact& contact) const {
  if (options_.EffectiveMaxContactsPerPrefix() == 0) return std::nullopt;
  return AddressPrefix(contact.address);
}

std::vector<const BucketEntry*> RoutingTable::InPrefix(
    const std::vector<BucketEntry>& list, const std::string& prefix,
    const NodeId& except) const {
  std::vector<const BucketEntry*> out;
  for (const BucketEntry& entry : list) {
    if (entry.contact.id != except &&
        AddressPrefix(entry.contact.address) == prefix) {
      out.push_back(&entry);
    }
  }
  return out;
}

void RoutingTable::Evict(KBucket& bucket, const NodeId& id) {
  bucket.Remove(id);
  const size_t limit =
      static_cast<size_t>(options_.EffectiveMaxContactsPerPrefix());
  bucket.PromoteReplacement([&](const BucketEntry& candidate) {
    std::optional<std::string> prefix = LimitedPrefix(candidate.contact);
    return !prefix.has_value() ||
           InPrefix(bucket.entries(), *prefix, candidate.contact.id).size() <
               limit;
  });
}

AddResult RoutingTable::Add(const Contact& contact, absl::Time now) {
  std::optional<int> index = BucketIndex(self_, contact.id);
  if (!index.has_value()) return {.outcome = AddResult::Outcome::kIgnoredSelf};
  KBucket& bucket = MutableBucket(*index);
  const size_t limit =
      static_cast<size_t>(options_.EffectiveMaxContactsPerPrefix());
  const std::optional<std::string> prefix = LimitedPrefix(contact);
  if (prefix.has_value() &&
      InPrefix(bucket.entries(), *prefix, contact.id).size() >= limit) {
    return {.outcome = AddResult::Outcome::kRejectedPrefixLimit};
  }
  bucket.Touch(now);
  switch (bucket.Upsert(contact, now)) {
    case KBucket::UpsertOutcome::kInserted:
      return {.outcome = AddResult::Outcome::kInserted};
    case KBucket::UpsertOutcome::kUpdated:
      return {.outcome = AddResult::Outcome::kUpdated};
    case KBucket::UpsertOutcome::kFull:
      break;
  }
  if (prefix.has_value()) {
    // The range's oldest candidate makes way, never another range's.
    std::vector<const BucketEntry*> same =
        InPrefix(bucket.replacements(), *prefix, contact.id);
    if (same.size() >= limit) {
      bucket.RemoveReplacement(same.front()->contact.id);
    }
  }
  bucket.AddReplacement(contact, now);
  AddResult result{.outcome = AddResult::Outcome::kBucketFull};
  BucketEntry* lrs = bucket.LeastRecentlySeen();  // non-null: bucket is full
  if (options_.fresh_contact_window > absl::ZeroDuration() &&
      now - lrs->last_seen < options_.fresh_contact_window) {
    return result;
  }
  const bool ping_outstanding =
      lrs->eviction_ping_requested != absl::InfinitePast() &&
      now - lrs->eviction_ping_requested < options_.eviction_ping_timeout;
  if (!ping_outstanding) {
    lrs->eviction_ping_requested = now;
    result.ping_candidate = lrs->contact;
  }
  return result;
}

void RoutingTable::OnPingResult(const NodeId& id, bool responded,
                                absl::Time now) {
  KBucket* bucket = BucketOf(id);
  if (bucket == nullptr) return;
  if (responded) {
    const Contact contact = bucket->Find(id)->contact;
    bucket->Touch(now);
    bucket->Upsert(contact, now);
  } else {
    Evict(*bucket, id);
  }
}

bool RoutingTable::MarkFailed(const NodeId& id, absl::Time now) {
  KBucket* bucket = BucketOf(id);
  if (bucket == nullptr) return false;
  BucketEntry* entry = bucket->Find(id);
  ++entry->consecutive_failures;
  entry->last_failure = now;
  if (entry->consecutive_failures >= options_.max_consecutive_failures ||
      !bucket->replacements().empty()) {
    Evict(*bucket, id);
    return true;
  }
  return false;
}

bool RoutingTable::Remove(const NodeId& id) {
  std::optional<int> index = BucketIndex(self_, id);
  if (!index.has_value() || buckets_[*index] == nullptr) return false;
  KBucket& bucket = *buckets_[*index];
  if (bucket.Find(id) != nullptr) {
    Evict(bucket, id);
    return true;
  }
  return bucket.RemoveReplacement(id);
}

size_t RoutingTable::size() const {
  size_t total = 0;
  for (const auto& bucket : buckets_) {
    if (bucket != nullptr) total += bucket->size();
  }
  return total;
}

std::optional<Contact> RoutingTable::Find(const NodeId& id) const {
  std::optional<BucketEntry> entry = FindEntry(id);
  if (!entry.has_value()) return std::nullopt;
  return std::move(entry->contact);
}

std::optional<BucketEntry> RoutingTable::FindEntry(const NodeId& id) const {
  std::optional<int> index = BucketIndex(self_, id);
  if (!index.has_value() || BucketAt(*index) == nullptr) return std::nullopt;
  const BucketEntry* entry = BucketAt(*index)->Find(id);
  if (entry == nullptr) return std::nullopt;
  return *entry;
}

std::vector<BucketEntry> RoutingTable::Entries() const {
  std::vector<BucketEntry> out;
  for (const auto& bucket : buckets_) {
    if (bucket == nullptr) continue;
    out.insert(out.end(), bucket->entries().begin(), bucket->entries().end());
  }
  return out;
}

std::vector<Contact> RoutingTable::Contacts() const {
  std::vector<Contact> out;
  for (const auto& bucket : buckets_) {
    if (bucket == nullptr) continue;
    for (const BucketEntry& entry : bucket->entries()) {
      out.push_back(entry.contact);
    }
  }
  return out;
}

// Bucket i < j (j = the target's bucket) holds distances to the target in
// [2^j, 2^(j+1)); bucket j holds [0, 2^j) and bucket i > j holds
// [2^i, 2^(i+1)). Within [2^j, 2^(j+1)), bucket i's contacts agree with
// D = self ^ target above bit i and differ from it at bit i, so bucket i is
// nearer than every lower bucket if bit i of D is 1 and farther if it is 0.
// The buckets are therefore visited as: j; i < j with D_i = 1, descending;
// i < j with D_i = 0, ascending; i > j, ascending. Each covers a range of
// distances after the previous one's, so sorting within a bucket suffices.
std::vector<Contact> RoutingTable::Closest(const NodeId& target,
                                           size_t n) const {
  std::vector<Contact> out;
  if (n == 0) return out;
  const NodeId d(Xor(self_, target).bytes());
  const int j = BucketIndex(self_, target).value_or(-1);  // -1: target = self
  std::vector<std::pair<Distance, const Contact*>> sorted;
  // Appends bucket i's contacts nearest first; true once `out` has n.
  auto visit = [&](int i) {
    const KBucket* bucket = BucketAt(i);
    if (bucket == nullptr || bucket->empty()) return false;
    sorted.clear();
    for (const BucketEntry& entry : bucket->entries()) {
      sorted.emplace_back(Xor(target, entry.contact.id), &entry.contact);
    }
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [distance, contact] : sorted) {
      out.push_back(*contact);
      if (out.size() == n) return true;
    }
    return false;
  };
  auto d_bit = [&d](int i) { return d.Bit(kIdBits - 1 - i); };
  if (j >= 0 && visit(j)) return out;
  for (int i = j - 1; i >= 0; --i) {
    if (d_bit(i) && visit(i)) return out;
  }
  for (int i = 0; i < j; ++i) {
    if (!d_bit(i) && visit(i)) return out;
  }
  for (int i = j + 1; i < kIdBits; ++i) {
    if (visit(i)) return out;
  }
  return out;
}

std::optional<int> RoutingTable::NearestNonEmptyBucket() const {
  for (int i = 0; i < kIdBits; ++i) {
    if (BucketAt(i) != nullptr && !BucketAt(i)->empty()) return i;
  }
  return std::nullopt;
}

absl::Time RoutingTable::RefreshDeadline(int index) const {
  const KBucket* bucket = BucketAt(index);
  if (bucket == nullptr) return absl::InfinitePast();  // never touched
  return bucket->last_touched() + options_.bucket_refresh_interval;
}

std::vector<int> RoutingTable::BucketsDueForRefresh(absl::Time now) const {
  std::vector<int> due;
  std::optional<int> nearest = NearestNonEmptyBucket();
  if (!nearest.has_value()) return due;
  for (int i = *nearest; i < kIdBits; ++i) {
    if (RefreshDeadline(i) <= now) due.push_back(i);
  }
  return due;
}

absl::Status RoutingTable::MarkRefreshed(int bucket, absl::Time now) {
  if (bucket < 0 || bucket >= kIdBits) {
    return absl::InvalidArgumentError(
        absl::StrCat("bucket must be in [0, ", kIdBits, "), got ", bucket));
  }
  MutableBucket(bucket).Touch(now);
  return absl::OkStatus();
}

absl::Time RoutingTable::NextRefreshDeadline() const {
  absl::Time deadline = absl::InfiniteFuture();
  std::optional<int> nearest = NearestNonEmptyBucket();
  if (!nearest.has_value()) return deadline;
  for (int i = *nearest; i < kIdBits; ++i) {
    deadline = std::min(deadline, RefreshDeadline(i));
  }
  return deadline;
}

}  // namespace datamgmt::kademlia
