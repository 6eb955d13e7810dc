// The pure planning of one health check round (the seed's "Health Check
// Loop"): which peers to ping, which of them to prune if they do not answer,
// and the round's result. No I/O, no clock reads: `now` comes in.
//
//   HealthRoundOptions options;   // unresponsive_after 60 s, prune_age 1 h
//   RoundPlan plan = PlanRound(peers, now, options);
//   for (const PlannedPing& p : plan.pings) { ... ping p.address ... }
//   // a failed ping of a p.dead peer: RemovePeer(p.address,
//   //                                    last_seen_before = plan.prune_before)
//
// Values; thread-compatible.
#ifndef DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_ROUND_H_
#define DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_ROUND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/kademlia/peer_health.h"
#include "common/kademlia/protocol_constants.h"

namespace datamgmt::health {

struct HealthRoundOptions {
  // A peer whose last response is strictly older than this is pinged (the
  // seed's "unresponsive"). A peer whose success rate makes it unhealthy
  // (kademlia::FailsSuccessRate, the seed's thresholds) is pinged every
  // round, so that it recovers as fast as it answers. Must be positive.
  // Default: kDefaultHealthCheckInterval (60 s, the round interval).
  absl::Duration unresponsive_after = kademlia::kDefaultHealthCheckInterval;
  // A peer last seen strictly longer ago than this, and not answering its
  // ping, is pruned. Must be at least unresponsive_after, so that every dead
  // peer is pinged first. Default: kDefaultPruneAge (1 h).
  absl::Duration prune_age = kademlia::kDefaultPruneAge;

  // Returns InvalidArgument naming the first field out of range.
  absl::Status Validate() const;
};

// A peer as peer-manager listed it.
struct PeerSnapshot {
  std::string address;  // "host:port"
  kademlia::PeerStats stats;
};

// A peer to ping this round.
struct PlannedPing {
  std::string address;
  // Last seen more than prune_age before the round started: pruned unless
  // it answers.
  bool dead = false;
};

struct RoundPlan {
  std::vector<PlannedPing> pings;  // in the order of the input
  // RemovePeer's last_seen_before for dead peers: started_at - prune_age, so
  // a peer that answered after the round began is kept.
  absl::Time prune_before;
};

// Plans a round started at `now`: every peer with NeedsPing(stats, now,
// unresponsive_after) is pinged, marked dead if IsDead(stats, now,
// prune_age). Peers heard from recently are left alone.
RoundPlan PlanRound(const std::vector<PeerSnapshot>& peers, absl::Time now,
                    const HealthRoundOptions& options);

// The outcome of one round, complete or aborted.
struct RoundResult {
  absl::Time started_at = absl::InfinitePast();
  absl::Duration duration;
  uint32_t checked = 0;  // peers listed
  uint32_t pinged = 0;   // pings sent and answered by dht-service
  uint32_t failed = 0;   // of those, peers that did not answer
  uint32_t pruned = 0;   // peers removed (dead, or this node itself)
  std::vector<std::string> pruned_addresses;
  bool manual = false;  // started by RunCheck
  // OK for a complete round; why it was aborted otherwise (Unavailable when
  // peer-manager or dht-service could not be reached).
  absl::Status error;
};

}  // namespace datamgmt::health

#endif  // DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_ROUND_H_
