// A brute-force oracle for lookup tests: the true closest IDs to a key, found
// by sorting every ID by XOR distance, and a comparison of a lookup's answer
// against them.
//
// Deliberately independent of the code under test: it computes distances
// byte by byte itself instead of using Xor()/Distance from node_id.h, and it
// knows nothing about Lookup or RoutingTable.
//
//   std::vector<NodeId> truth = TrueClosest(all_ids, key, 20, requester);
//   OracleVerdict v = Judge(result.closest, truth);
//   if (!v.found_closest) ...
//
// Stateless; thread-safe.
#ifndef DATAMGMT_COMMON_KADEMLIA_TESTING_ORACLE_H_
#define DATAMGMT_COMMON_KADEMLIA_TESTING_ORACLE_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"

namespace datamgmt::kademlia::sim {

// The `n` IDs of `ids` nearest to `key` by XOR distance, nearest first,
// leaving out `exclude` (a lookup never returns its own node). Fewer if
// `ids` holds fewer. Duplicate IDs in `ids` count once.
std::vector<NodeId> TrueClosest(absl::Span<const NodeId> ids, const NodeId& key,
                                size_t n,
                                std::optional<NodeId> exclude = std::nullopt);

struct OracleVerdict {
  // The answer's first contact is the true nearest ID (false if either list
  // is empty).
  bool found_closest = false;
  // The answer is exactly `truth`, in order.
  bool exact = false;
  // How many of the answer's IDs are in `truth`.
  size_t overlap = 0;
};

// Compares a lookup's answer with the oracle's truth.
OracleVerdict Judge(absl::Span<const Contact> answer,
                    absl::Span<const NodeId> truth);

}  // namespace datamgmt::kademlia::sim

#endif  // DATAMGMT_COMMON_KADEMLIA_TESTING_ORACLE_H_
