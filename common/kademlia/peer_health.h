// The seed's peer-health rules (shared/seed/p2p-network.md, "Peer Health"),
// as pure functions over what a node records about each peer.
//
// A peer is healthy if it "responded within the last 5 minutes" and "has a
// success rate above 50%", or "has fewer than 5 total attempts". It is dead,
// and pruned, once it was last seen more than 1 hour ago. The health check
// loop pings peers that have not responded within its interval.
//
//   PeerStats stats;                      // a peer just learned of
//   RecordSuccess(stats, now);            // it answered an RPC
//   RecordFailure(stats);                 // an RPC to it failed
//   bool ok = IsHealthy(stats, now, HealthOptions{});
//   if (IsDead(stats, now, options)) { /* prune it */ }
//
// All functions are pure; the types are values (thread-compatible).
#ifndef DATAMGMT_COMMON_KADEMLIA_PEER_HEALTH_H_
#define DATAMGMT_COMMON_KADEMLIA_PEER_HEALTH_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/kademlia/protocol_constants.h"

namespace datamgmt::kademlia {

struct HealthOptions {
  // A healthy peer responded at most this long ago (inclusive). Must be
  // positive. Default: kDefaultHealthyResponseWindow (5 minutes).
  absl::Duration healthy_response_window = kDefaultHealthyResponseWindow;

  // A healthy peer's success rate is strictly above this. Must be in [0, 1].
  // Default: kDefaultMinSuccessRate (0.5).
  double min_success_rate = kDefaultMinSuccessRate;

  // A peer with fewer total attempts than this is healthy regardless (it is
  // new). Must be at least 0; 0 turns the rule off.
  // Default: kDefaultNewPeerAttempts (5).
  int64_t new_peer_attempts = kDefaultNewPeerAttempts;

  // A peer last seen strictly more than this long ago is dead. Must be
  // positive. Default: kDefaultPruneAge (1 hour).
  absl::Duration prune_age = kDefaultPruneAge;

  // Returns InvalidArgument naming the first field out of range.
  absl::Status Validate() const;
};

// What a node records about one peer (the seed's known_peers.json fields).
struct PeerStats {
  // When the peer last responded; InfinitePast if it never has. To give a
  // newly learned peer a grace period before IsDead, set this to when it was
  // learned.
  absl::Time last_seen = absl::InfinitePast();
  // Attempts (RPCs to it) that succeeded and that failed.
  int64_t success_count = 0;
  int64_t failure_count = 0;

  friend bool operator==(const PeerStats&, const PeerStats&) = default;
};

// success_count + failure_count, at most INT64_MAX (found by
// fuzz/known_peers_fuzz: a file's counts may each be INT64_MAX).
int64_t TotalAttempts(const PeerStats& stats);

// success_count / TotalAttempts, in [0, 1]. A peer with no attempts has rate
// 0.0 (no evidence of success); the new-peer rule keeps it healthy anyway.
double SuccessRate(const PeerStats& stats);

// The seed's rule: (now - last_seen <= healthy_response_window AND
// SuccessRate > min_success_rate) OR TotalAttempts < new_peer_attempts.
// A last_seen in the future counts as within the window.
bool IsHealthy(const PeerStats& stats, absl::Time now,
               const HealthOptions& options);

// now - last_seen > prune_age. A peer never seen is dead.
bool IsDead(const PeerStats& stats, absl::Time now,
            const HealthOptions& options);

// now - last_seen > check_interval: the health loop should ping it (the
// seed's "Ping unresponsive peers"). A peer never seen needs a ping.
bool NeedsPing(const PeerStats& stats, absl::Time now,
               absl::Duration check_interval);

// Whether the success-rate half of the seed's rule fails, however recently
// the peer answered: at least new_peer_attempts attempts and SuccessRate <=
// min_success_rate. The health loop pings such peers every round, not only
// when silent, so that a peer back from a partition earns back (with one
// success a round) the successes its failures cost: the seed's rate counts
// every attempt ever made.
bool FailsSuccessRate(const PeerStats& stats, const HealthOptions& options);

// An attempt succeeded at `when`: counts it (a count stays at INT64_MAX)
// and advances last_seen to `when` (never backwards).
void RecordSuccess(PeerStats& stats, absl::Time when);

// An attempt failed: counts it (a count stays at INT64_MAX). last_seen is
// unchanged.
void RecordFailure(PeerStats& stats);

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_PEER_HEALTH_H_
