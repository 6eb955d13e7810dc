#include "services/health_monitor/health_round.h"

namespace datamgmt::health {

absl::Status HealthRoundOptions::Validate() const {
  if (unresponsive_after <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("unresponsive_after must be positive");
  }
  if (prune_age < unresponsive_after) {
    return absl::InvalidArgumentError(
        "prune_age must be at least unresponsive_after");
  }
  return absl::OkStatus();
}

RoundPlan PlanRound(const std::vector<PeerSnapshot>& peers, absl::Time now,
                    const HealthRoundOptions& options) {
  kademlia::HealthOptions health;
  health.prune_age = options.prune_age;
  RoundPlan plan;
  plan.prune_before = now - options.prune_age;
  for (const PeerSnapshot& peer : peers) {
    if (!kademlia::NeedsPing(peer.stats, now, options.unresponsive_after) &&
        !kademlia::FailsSuccessRate(peer.stats, health)) {
      continue;
    }
    plan.pings.push_back({.address = peer.address,
                          .dead = kademlia::IsDead(peer.stats, now, health)});
  }
  return plan;
}

}  // namespace datamgmt::health
