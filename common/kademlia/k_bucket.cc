#include "common/kademlia/k_bucket.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace datamgmt::kademlia {
namespace {

// Works on const and non-const lists alike.
template <typename List>
auto FindIn(List& list, const NodeId& id) {
  return std::find_if(list.begin(), list.end(), [&id](const BucketEntry& e) {
    return e.contact.id == id;
  });
}

// Moves `it` to the back of `list` (the most recently seen end).
void MoveToBack(std::vector<BucketEntry>& list,
                std::vector<BucketEntry>::iterator it) {
  std::rotate(it, std::next(it), list.end());
}

}  // namespace

KBucket::KBucket(int capacity, int replacement_capacity)
    : capacity_(std::max(capacity, 1)),
      replacement_capacity_(std::max(replacement_capacity, 0)) {}

const BucketEntry* KBucket::Find(const NodeId& id) const {
  auto it = FindIn(entries_, id);
  return it == entries_.end() ? nullptr : &*it;
}

BucketEntry* KBucket::Find(const NodeId& id) {
  auto it = FindIn(entries_, id);
  return it == entries_.end() ? nullptr : &*it;
}

const BucketEntry* KBucket::LeastRecentlySeen() const {
  return entries_.empty() ? nullptr : &entries_.front();
}

BucketEntry* KBucket::LeastRecentlySeen() {
  return entries_.empty() ? nullptr : &entries_.front();
}

KBucket::UpsertOutcome KBucket::Upsert(const Contact& contact, absl::Time now) {
  auto it = FindIn(entries_, contact.id);
  if (it != entries_.end()) {
    it->contact.address = contact.address;
    it->last_seen = now;
    it->consecutive_failures = 0;
    it->eviction_ping_requested = absl::InfinitePast();
    MoveToBack(entries_, it);
    return UpsertOutcome::kUpdated;
  }
  if (full()) return UpsertOutcome::kFull;
  RemoveReplacement(contact.id);
  entries_.push_back(BucketEntry{.contact = contact, .last_seen = now});
  return UpsertOutcome::kInserted;
}

bool KBucket::Remove(const NodeId& id) {
  auto it = FindIn(entries_, id);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void KBucket::AddReplacement(const Contact& contact, absl::Time now) {
  if (replacement_capacity_ == 0 || Find(contact.id) != nullptr) return;
  auto it = FindIn(replacements_, contact.id);
  if (it != replacements_.end()) {
    it->contact.address = contact.address;
    it->last_seen = now;
    MoveToBack(replacements_, it);
    return;
  }
  if (replacements_.size() >= static_cast<size_t>(replacement_capacity_)) {
    replacements_.erase(replacements_.begin());
  }
  replacements_.push_back(BucketEntry{.contact = contact, .last_seen = now});
}

bool KBucket::RemoveReplacement(const NodeId& id) {
  auto it = FindIn(replacements_, id);
  if (it == replacements_.end()) return false;
  replacements_.erase(it);
  return true;
}

bool KBucket::PromoteReplacement() {
  return PromoteReplacement([](const BucketEntry&) { return true; });
}

bool KBucket::PromoteReplacement(
    absl::FunctionRef<bool(const BucketEntry&)> eligible) {
  if (full()) return false;
  auto candidate = std::find_if(replacements_.rbegin(), replacements_.rend(),
                                [&](const BucketEntry& e) {
                                  return eligible(e);
                                });
  if (candidate == replacements_.rend()) return false;
  BucketEntry promoted = std::move(*candidate);
  replacements_.erase(std::next(candidate).base());
  auto pos = std::find_if(
      entries_.begin(), entries_.end(),
      [&](const BucketEntry& e) { return e.last_seen > promoted.last_seen; });
  entries_.insert(pos, std::move(promoted));
  return true;
}

void KBucket::Touch(absl::Time now) {
  last_touched_ = std::max(last_touched_, now);
}

}  // namespace datamgmt::kademlia
