#include "common/kademlia/node_id.h"

#include <random>
#include <set>

#include "absl/random/random.h"
#include "gtest/gtest.h"

namespace datamgmt::kademlia {
namespace {

NodeId IdWithLastByte(uint8_t b) {
  IdBytes bytes{};
  bytes[kIdBytes - 1] = b;
  return NodeId(bytes);
}

TEST(NodeIdTest, HexRoundTrip) {
  const std::string hex(
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  absl::StatusOr<NodeId> id = NodeId::FromHex(hex);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(id->ToHex(), hex);
  EXPECT_EQ(id->ShortHex(), "00112233");
  absl::StatusOr<NodeId> upper = NodeId::FromHex(
      "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, *id);
}

TEST(NodeIdTest, RejectsMalformedHex) {
  EXPECT_EQ(NodeId::FromHex("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NodeId::FromHex("abc").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NodeId::FromHex(std::string(65, 'a')).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::string bad(64, '0');
  bad[17] = 'g';
  absl::Status s = NodeId::FromHex(bad).status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("position 17"), std::string::npos) << s;
}

TEST(NodeIdTest, BytesRoundTripAndLengthCheck) {
  std::mt19937_64 gen(1);
  NodeId id = NodeId::Random(gen);
  absl::StatusOr<NodeId> back = NodeId::FromBytes(id.ToBytes());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, id);
  EXPECT_EQ(NodeId::FromBytes(std::string(31, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NodeId::FromBytes(std::string(33, 'x')).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(NodeIdTest, XorIsAMetric) {
  std::seed_seq seed{42};
  std::mt19937_64 gen(seed);
  for (int i = 0; i < 100; ++i) {
    NodeId a = NodeId::Random(gen), b = NodeId::Random(gen);
    EXPECT_TRUE(Xor(a, a).IsZero());
    EXPECT_EQ(Xor(a, b), Xor(b, a));
    EXPECT_EQ(Xor(a, b).IsZero(), a == b);
  }
}

TEST(NodeIdTest, DistanceOrdersAsBigEndianInteger) {
  NodeId zero;
  EXPECT_LT(Xor(zero, IdWithLastByte(1)), Xor(zero, IdWithLastByte(2)));
  IdBytes high{};
  high[0] = 1;
  EXPECT_LT(Xor(zero, IdWithLastByte(255)), Xor(zero, NodeId(high)));
  EXPECT_TRUE(CloserTo(zero, IdWithLastByte(3), IdWithLastByte(4)));
  EXPECT_FALSE(CloserTo(zero, IdWithLastByte(4), IdWithLastByte(4)));
}

TEST(NodeIdTest, BucketIndexIsHighestDifferingBit) {
  NodeId zero;
  EXPECT_EQ(BucketIndex(zero, zero), std::nullopt);
  EXPECT_EQ(BucketIndex(zero, IdWithLastByte(1)), 0);
  EXPECT_EQ(BucketIndex(zero, IdWithLastByte(2)), 1);
  EXPECT_EQ(BucketIndex(zero, IdWithLastByte(3)), 1);
  EXPECT_EQ(BucketIndex(zero, IdWithLastByte(128)), 7);
  IdBytes top{};
  top[0] = 0x80;
  EXPECT_EQ(BucketIndex(zero, NodeId(top)), 255);
}

TEST(NodeIdTest, RandomIdInBucketLandsInThatBucket) {
  std::seed_seq seed{7};
  std::mt19937_64 gen(seed);
  NodeId self = NodeId::Random(gen);
  std::set<NodeId> seen;
  for (int bucket = 0; bucket < kIdBits; ++bucket) {
    NodeId id = RandomIdInBucket(self, bucket, gen);
    EXPECT_EQ(BucketIndex(self, id), bucket);
    seen.insert(id);
  }
  EXPECT_GT(seen.size(), 250u);  // randomised, not a fixed pattern
}

}  // namespace
}  // namespace datamgmt::kademlia
