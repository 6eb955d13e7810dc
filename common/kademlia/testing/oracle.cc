#include "common/kademlia/testing/oracle.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"

namespace datamgmt::kademlia::sim {
std::vector<NodeId> TrueClosest(absl::Span<const NodeId> ids, const NodeId& key,
                                size_t n, std::optional<NodeId> exclude) {
  // (id XOR key, id): std::array's lexicographic order on the XOR bytes is
  // the order of 256-bit big-endian integers.
  std::vector<std::pair<IdBytes, NodeId>> by_distance;
  by_distance.reserve(ids.size());
  for (const NodeId& id : ids) {
    if (exclude.has_value() && id == *exclude) continue;
    IdBytes d;
    for (int i = 0; i < kIdBytes; ++i) d[i] = id.bytes()[i] ^ key.bytes()[i];
    by_distance.emplace_back(d, id);
  }
  std::sort(by_distance.begin(), by_distance.end());
  by_distance.erase(std::unique(by_distance.begin(), by_distance.end()),
                    by_distance.end());
  std::vector<NodeId> out;
  for (size_t i = 0; i < by_distance.size() && i < n; ++i) {
    out.push_back(by_distance[i].second);
  }
  return out;
}

OracleVerdict Judge(absl::Span<const Contact> answer,
                    absl::Span<const NodeId> truth) {
  OracleVerdict verdict;
  verdict.found_closest =
      !answer.empty() && !truth.empty() && answer[0].id == truth[0];
  absl::flat_hash_set<NodeId> truth_set(truth.begin(), truth.end());
  for (const Contact& c : answer) verdict.overlap += truth_set.contains(c.id);
  verdict.exact = answer.size() == truth.size();
  for (size_t i = 0; verdict.exact && i < answer.size(); ++i) {
    verdict.exact = answer[i].id == truth[i];
  }
  return verdict;
}

}  // namespace datamgmt::kademlia::sim
