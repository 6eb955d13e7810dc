#include "services/peer_manager/exchange_plan.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace datamgmt::peer_manager {

absl::Status ExchangePlanOptions::Validate() const {
  if (max_targets < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_targets must be at least 1, got ", max_targets));
  }
  if (max_shared < 1 || max_shared > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_shared must be in 1..100, got ", max_shared));
  }
  return absl::OkStatus();
}

std::vector<std::string> ChooseExchangeTargets(
    absl::Span<const PeerView> peers, const ExchangePlanOptions& options,
    absl::BitGenRef gen) {
  std::vector<std::string> targets;
  for (const PeerView& peer : peers) {
    if (peer.healthy) targets.push_back(peer.record.address.ToString());
  }
  const size_t max = static_cast<size_t>(std::max(options.max_targets, 0));
  if (targets.size() > max) {
    std::shuffle(targets.begin(), targets.end(), gen);
    targets.resize(max);
  }
  std::sort(targets.begin(), targets.end());
  return targets;
}

std::vector<PeerHint> ChooseSharedHints(absl::Span<const PeerView> peers,
                                        absl::string_view remote_address,
                                        const ExchangePlanOptions& options) {
  absl::StatusOr<std::string> remote =
      net::CanonicalPeerAddress(remote_address);
  std::vector<const PeerRecord*> chosen;
  for (const PeerView& peer : peers) {
    if (!peer.healthy) continue;
    if (remote.ok() && peer.record.address.ToString() == *remote) continue;
    chosen.push_back(&peer.record);
  }
  std::stable_sort(chosen.begin(), chosen.end(),
                   [](const PeerRecord* a, const PeerRecord* b) {
                     const bool a_answered = a->stats.success_count > 0;
                     const bool b_answered = b->stats.success_count > 0;
                     if (a_answered != b_answered) return a_answered;
                     return a->stats.last_seen > b->stats.last_seen;
                   });
  const size_t max = static_cast<size_t>(std::max(options.max_shared, 0));
  if (chosen.size() > max) chosen.resize(max);
  std::vector<PeerHint> hints;
  hints.reserve(chosen.size());
  for (const PeerRecord* record : chosen) {
    PeerHint hint;
    hint.address = record->address.ToString();
    if (record->node_id.has_value()) hint.node_id = record->node_id->ToHex();
    if (record->stats.success_count > 0) {
      hint.last_seen = record->stats.last_seen;
    }
    hints.push_back(std::move(hint));
  }
  return hints;
}

}  // namespace datamgmt::peer_manager
