#include "services/peer_manager/peer_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace datamgmt::peer_manager {

absl::Status PeerTableOptions::Validate() const {
  if (max_peers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_peers must be at least 1, got ", max_peers));
  }
  if (max_batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_batch_size must be at least 1, got ", max_batch_size));
  }
  if (absl::Status s = health.Validate(); !s.ok()) return s;
  for (const std::string& address : self_addresses) {
    if (absl::StatusOr<net::PeerAddress> a = net::ParsePeerAddress(address);
        !a.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("self_addresses: ", a.status().message()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PeerTable> PeerTable::Create(PeerTableOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::vector<net::PeerAddress> self;
  for (const std::string& address : options.self_addresses) {
    self.push_back(*net::ParsePeerAddress(address));
  }
  return PeerTable(std::move(options), std::move(self));
}

PeerTable::PeerTable(PeerTableOptions options,
                     std::vector<net::PeerAddress> self_addresses)
    : options_(std::move(options)),
      self_addresses_(std::move(self_addresses)) {}

bool PeerTable::IsSelf(const net::PeerAddress& address) const {
  return std::find(self_addresses_.begin(), self_addresses_.end(), address) !=
         self_addresses_.end();
}

bool PeerTable::IsSelf(const std::optional<kademlia::NodeId>& id) const {
  return id.has_value() && options_.self_id.has_value() &&
         *id == *options_.self_id;
}

PeerView PeerTable::View(const PeerRecord& record, absl::Time now) const {
  return PeerView{
      .record = record,
      .healthy = kademlia::IsHealthy(record.stats, now, options_.health),
      .success_rate = kademlia::SuccessRate(record.stats),
  };
}

bool PeerTable::MakeRoom(absl::Time now, std::optional<PeerRecord>& evicted) {
  if (peers_.size() < static_cast<size_t>(options_.max_peers)) return true;
  auto victim = peers_.end();
  for (auto it = peers_.begin(); it != peers_.end(); ++it) {
    if (!kademlia::IsDead(it->second.stats, now, options_.health)) continue;
    if (victim == peers_.end() ||
        it->second.stats.last_seen < victim->second.stats.last_seen) {
      victim = it;
    }
  }
  if (victim == peers_.end()) return false;
  evicted = std::move(victim->second);
  peers_.erase(victim);
  return true;
}

std::vector<PeerView> PeerTable::List(bool healthy_only, absl::Time now) const {
  std::vector<PeerView> out;
  out.reserve(peers_.size());
  for (const auto& [key, record] : peers_) {
    PeerView view = View(record, now);
    if (healthy_only && !view.healthy) continue;
    out.push_back(std::move(view));
  }
  return out;
}

absl::StatusOr<PeerView> PeerTable::Get(absl::string_view address,
                                        absl::Time now) const {
  absl::StatusOr<net::PeerAddress> parsed = net::ParsePeerAddress(address);
  if (!parsed.ok()) return parsed.status();
  auto it = peers_.find(parsed->ToString());
  if (it == peers_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no known peer ", parsed->ToString()));
  }
  return View(it->second, now);
}

absl::StatusOr<AddOutcome> PeerTable::Add(absl::string_view address,
                                          absl::string_view node_id_hex,
                                          absl::Time now) {
  absl::StatusOr<net::PeerAddress> parsed = net::ParsePeerAddress(address);
  if (!parsed.ok()) return parsed.status();
  std::optional<kademlia::NodeId> id;
  if (!node_id_hex.empty()) {
    absl::StatusOr<kademlia::NodeId> hex =
        kademlia::NodeId::FromHex(node_id_hex);
    if (!hex.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("node_id: ", hex.status().message()));
    }
    id = *hex;
  }
  const std::string key = parsed->ToString();
  if (IsSelf(*parsed)) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, " is this node's own address"));
  }
  if (IsSelf(id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("node_id ", id->ToHex(), " is this node's own ID"));
  }
  if (peers_.contains(key)) {
    return absl::AlreadyExistsError(absl::StrCat("peer ", key, " is known"));
  }
  AddOutcome outcome;
  if (!MakeRoom(now, outcome.evicted)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the peer store is full (", options_.max_peers,
                     " peers, none of them dead); cannot add ", key));
  }
  PeerRecord record;
  record.address = *std::move(parsed);
  record.node_id = id;
  record.stats.last_seen = now;
  record.added_at = now;
  outcome.peer = View(record, now);
  peers_.emplace(key, std::move(record));
  return outcome;
}

absl::StatusOr<PeerRecord> PeerTable::Remove(
    absl::string_view address, std::optional<absl::Time> last_seen_before) {
  absl::StatusOr<net::PeerAddress> parsed = net::ParsePeerAddress(address);
  if (!parsed.ok()) return parsed.status();
  const std::string key = parsed->ToString();
  auto it = peers_.find(key);
  if (it == peers_.end()) {
    return absl::NotFoundError(absl::StrCat("no known peer ", key));
  }
  if (last_seen_before.has_value() &&
      !(it->second.stats.last_seen < *last_seen_before)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "peer ", key, " was seen at ",
        absl::FormatTime(it->second.stats.last_seen), ", not before ",
        absl::FormatTime(*last_seen_before), "; kept"));
  }
  PeerRecord removed = std::move(it->second);
  peers_.erase(it);
  return removed;
}

std::vector<PeerRecord> PeerTable::Prune(absl::Time now) {
  std::vector<PeerRecord> pruned;
  for (auto it = peers_.begin(); it != peers_.end();) {
    if (kademlia::IsDead(it->second.stats, now, options_.health)) {
      pruned.push_back(std::move(it->second));
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  return pruned;
}

PeerCounts PeerTable::Stats(absl::Time now) const {
  PeerCounts counts;
  counts.total = static_cast<int>(peers_.size());
  for (const auto& [key, record] : peers_) {
    if (kademlia::IsHealthy(record.stats, now, options_.health)) {
      ++counts.healthy;
    }
  }
  return counts;
}

std::vector<PeerRecord> PeerTable::Records() const {
  std::vector<PeerRecord> out;
  out.reserve(peers_.size());
  for (const auto& [key, record] : peers_) out.push_back(record);
  return out;
}

RestoreOutcome PeerTable::Restore(std::vector<PeerRecord> records) {
  // Most recently seen first, so that capacity keeps the freshest.
  std::stable_sort(records.begin(), records.end(),
                   [](const PeerRecord& a, const PeerRecord& b) {
                     return a.stats.last_seen > b.stats.last_seen;
                   });
  RestoreOutcome outcome;
  for (PeerRecord& record : records) {
    if (IsSelf(record.address) || IsSelf(record.node_id)) {
      ++outcome.skipped_self;
      continue;
    }
    std::string key = record.address.ToString();
    if (peers_.contains(key)) {
      ++outcome.skipped_duplicate;
      continue;
    }
    if (peers_.size() >= static_cast<size_t>(options_.max_peers)) {
      ++outcome.skipped_over_capacity;
      continue;
    }
    peers_.emplace(std::move(key), std::move(record));
    ++outcome.restored;
  }
  return outcome;
}

}  // namespace datamgmt::peer_manager
