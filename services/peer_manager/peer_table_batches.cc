// PeerTable's batch operations: RecordContacts and MergeHints.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/peer_manager/peer_table.h"

namespace datamgmt::peer_manager {
namespace {

// An optional 64-hex-digit ID: nullopt for empty, an error if malformed.
absl::StatusOr<std::optional<kademlia::NodeId>> ParseOptionalId(
    absl::string_view hex) {
  if (hex.empty()) return std::optional<kademlia::NodeId>();
  absl::StatusOr<kademlia::NodeId> id = kademlia::NodeId::FromHex(hex);
  if (!id.ok()) return id.status();
  return std::optional<kademlia::NodeId>(*id);
}

absl::Status CheckBatchSize(size_t n, int max, absl::string_view what) {
  if (n <= static_cast<size_t>(max)) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      n, " ", what, " in one batch; at most ", max, " are accepted"));
}

}  // namespace

absl::StatusOr<RecordContactsOutcome> PeerTable::RecordContacts(
    absl::Span<const ContactResult> results, absl::Time now) {
  if (absl::Status s = CheckBatchSize(results.size(), options_.max_batch_size,
                                      "contact results");
      !s.ok()) {
    return s;
  }
  RecordContactsOutcome outcome;
  for (const ContactResult& result : results) {
    absl::StatusOr<net::PeerAddress> address =
        net::ParsePeerAddress(result.address);
    if (!address.ok() || IsSelf(*address)) {
      ++outcome.ignored;
      continue;
    }
    const std::string key = address->ToString();
    auto it = peers_.find(key);
    if (!result.success) {
      if (it == peers_.end()) {
        ++outcome.ignored;
      } else {
        kademlia::RecordFailure(it->second.stats);
        ++outcome.applied;
      }
      continue;
    }
    absl::StatusOr<std::optional<kademlia::NodeId>> id =
        ParseOptionalId(result.node_id);
    if (!id.ok() || IsSelf(*id) ||
        (result.rtt.has_value() && *result.rtt < absl::ZeroDuration())) {
      ++outcome.ignored;
      continue;
    }
    const absl::Time observed =
        result.observed_at.has_value() && *result.observed_at < now
            ? *result.observed_at
            : now;
    if (it != peers_.end()) {
      PeerRecord& record = it->second;
      if (id->has_value() && record.node_id.has_value() &&
          **id != *record.node_id) {
        // A different node now answers at this address: start over.
        record.stats = kademlia::PeerStats();
        record.stats.last_seen = observed;
        record.stats.success_count = 1;
        record.extra_fields.clear();
        record.last_rtt.reset();
      } else {
        kademlia::RecordSuccess(record.stats, observed);
      }
      if (id->has_value()) record.node_id = *id;
      if (result.rtt.has_value()) record.last_rtt = result.rtt;
      ++outcome.applied;
      continue;
    }
    std::optional<PeerRecord> evicted;
    if (!MakeRoom(now, evicted)) {
      ++outcome.ignored;
      continue;
    }
    if (evicted.has_value()) outcome.evicted.push_back(*std::move(evicted));
    PeerRecord record;
    record.address = *std::move(address);
    record.node_id = *id;
    record.stats.last_seen = observed;
    record.stats.success_count = 1;
    record.last_rtt = result.rtt;
    record.added_at = now;
    peers_.emplace(key, std::move(record));
    ++outcome.added;
  }
  return outcome;
}

absl::StatusOr<MergeOutcome> PeerTable::MergeHints(
    absl::Span<const PeerHint> hints, absl::Time now) {
  if (absl::Status s =
          CheckBatchSize(hints.size(), options_.max_batch_size, "peer hints");
      !s.ok()) {
    return s;
  }
  MergeOutcome outcome;
  for (const PeerHint& hint : hints) {
    absl::StatusOr<net::PeerAddress> address =
        net::ParsePeerAddress(hint.address);
    absl::StatusOr<std::optional<kademlia::NodeId>> id =
        ParseOptionalId(hint.node_id);
    if (!address.ok() || !id.ok() || IsSelf(*address) || IsSelf(*id)) {
      ++outcome.ignored;
      continue;
    }
    const std::string key = address->ToString();
    if (auto it = peers_.find(key); it != peers_.end()) {
      ++outcome.known;
      if (!it->second.node_id.has_value() && id->has_value()) {
        it->second.node_id = *id;
        ++outcome.node_ids_filled;
      }
      continue;
    }
    if (hint.last_seen.has_value() &&
        now - *hint.last_seen > options_.health.prune_age) {
      ++outcome.ignored;  // stale: we would prune it at once
      continue;
    }
    std::optional<PeerRecord> evicted;
    if (!MakeRoom(now, evicted)) {
      ++outcome.ignored;
      continue;
    }
    if (evicted.has_value()) outcome.evicted.push_back(*std::move(evicted));
    PeerRecord record;
    record.address = *std::move(address);
    record.node_id = *id;
    record.stats.last_seen = now;
    record.added_at = now;
    peers_.emplace(key, std::move(record));
    ++outcome.added;
  }
  return outcome;
}

}  // namespace datamgmt::peer_manager
