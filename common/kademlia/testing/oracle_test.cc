#include "common/kademlia/testing/oracle.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace datamgmt::kademlia::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

NodeId Id(uint8_t first, uint8_t last) {
  IdBytes bytes{};
  bytes[0] = first;
  bytes[kIdBytes - 1] = last;
  return NodeId(bytes);
}

std::vector<Contact> Contacts(const std::vector<NodeId>& ids) {
  std::vector<Contact> out;
  for (const NodeId& id : ids) out.push_back(Contact{id, "x"});
  return out;
}

TEST(TrueClosestTest, SortsByXorDistanceNotByValue) {
  const NodeId key = Id(0x80, 0);
  // Distances to key: 0x80.., 0x00..01, 0x00..02, 0xc0...
  const std::vector<NodeId> ids = {Id(0, 0), Id(0x80, 2), Id(0x80, 1),
                                   Id(0x40, 0)};
  EXPECT_THAT(TrueClosest(ids, key, 10),
              ElementsAre(Id(0x80, 1), Id(0x80, 2), Id(0, 0), Id(0x40, 0)));
  EXPECT_THAT(TrueClosest(ids, key, 2), ElementsAre(Id(0x80, 1), Id(0x80, 2)));
}

TEST(TrueClosestTest, LeavesOutTheExcludedIdAndDuplicates) {
  const NodeId key = Id(0, 0);
  const std::vector<NodeId> ids = {Id(0, 3), Id(0, 1), Id(0, 1), Id(0, 2)};
  EXPECT_THAT(TrueClosest(ids, key, 2, Id(0, 1)),
              ElementsAre(Id(0, 2), Id(0, 3)));
  EXPECT_THAT(TrueClosest({}, key, 2), IsEmpty());
}

TEST(JudgeTest, AcceptsOnlyTheExactAnswer) {
  const std::vector<NodeId> truth = {Id(0, 1), Id(0, 2), Id(0, 3)};
  const OracleVerdict right = Judge(Contacts(truth), truth);
  EXPECT_TRUE(right.found_closest);
  EXPECT_TRUE(right.exact);
  EXPECT_EQ(right.overlap, 3u);
}

TEST(JudgeTest, DetectsWrongAnswers) {
  const std::vector<NodeId> truth = {Id(0, 1), Id(0, 2), Id(0, 3)};
  // The farthest replaced by an outsider: closest found, not exact.
  OracleVerdict v = Judge(Contacts({Id(0, 1), Id(0, 2), Id(0, 9)}), truth);
  EXPECT_TRUE(v.found_closest);
  EXPECT_FALSE(v.exact);
  EXPECT_EQ(v.overlap, 2u);
  // The nearest missing.
  v = Judge(Contacts({Id(0, 2), Id(0, 3), Id(0, 9)}), truth);
  EXPECT_FALSE(v.found_closest);
  EXPECT_FALSE(v.exact);
  // Right members, wrong order.
  v = Judge(Contacts({Id(0, 1), Id(0, 3), Id(0, 2)}), truth);
  EXPECT_FALSE(v.exact);
  // Too short.
  v = Judge(Contacts({Id(0, 1), Id(0, 2)}), truth);
  EXPECT_TRUE(v.found_closest);
  EXPECT_FALSE(v.exact);
  // Empty.
  v = Judge({}, truth);
  EXPECT_FALSE(v.found_closest);
  EXPECT_FALSE(v.exact);
}

}  // namespace
}  // namespace datamgmt::kademlia::sim
