// The protocol's default parameters, in one place.
//
// Kademlia's k and alpha come from the Kademlia paper (Maymounkov and
// Mazieres, 2002); the intervals and health thresholds come from the seed
// spec (shared/seed/p2p-network.md). Every one of them is only a default:
// each Options struct that uses one lets an operator override it.
#ifndef DATAMGMT_COMMON_KADEMLIA_PROTOCOL_CONSTANTS_H_
#define DATAMGMT_COMMON_KADEMLIA_PROTOCOL_CONSTANTS_H_

#include "absl/time/time.h"

namespace datamgmt::kademlia {

// Bucket size and replication factor.
inline constexpr int kDefaultK = 20;
// Parallel requests in flight during an iterative lookup.
inline constexpr int kDefaultAlpha = 3;

// A bucket not touched for this long is refreshed with a random lookup.
inline constexpr absl::Duration kDefaultBucketRefreshInterval = absl::Hours(1);
// Each stored value is re-stored at its k closest nodes this often.
inline constexpr absl::Duration kDefaultRepublishInterval = absl::Hours(1);

// Seed: "Every 5 minutes, nodes exchange peer lists".
inline constexpr absl::Duration kDefaultPeerExchangeInterval = absl::Minutes(5);
// Seed: health check loop runs "Every 60 seconds".
inline constexpr absl::Duration kDefaultHealthCheckInterval = absl::Seconds(60);
// Seed: "Prune dead peers (>1 hour old)".
inline constexpr absl::Duration kDefaultPruneAge = absl::Hours(1);
// Seed: "If the node loses all peers, it will wait 30 seconds".
inline constexpr absl::Duration kDefaultRebootstrapDelay = absl::Seconds(30);

// Seed health criteria: healthy if it "responded within the last 5 minutes"
// and "has a success rate above 50%", "or has fewer than 5 total attempts".
inline constexpr absl::Duration kDefaultHealthyResponseWindow =
    absl::Minutes(5);
inline constexpr double kDefaultMinSuccessRate = 0.5;
inline constexpr int kDefaultNewPeerAttempts = 5;

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_PROTOCOL_CONSTANTS_H_
