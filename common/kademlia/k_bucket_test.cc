#include "common/kademlia/k_bucket.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace datamgmt::kademlia {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

Contact MakeContact(uint8_t b) {
  IdBytes bytes{};
  bytes[0] = 0x80;  // all in the same bucket of the zero ID, for realism
  bytes[kIdBytes - 1] = b;
  return Contact{.id = NodeId(bytes), .address = absl::StrCat("10.0.0.", b)};
}

std::vector<uint8_t> Order(const std::vector<BucketEntry>& list) {
  std::vector<uint8_t> out;
  for (const BucketEntry& e : list) out.push_back(e.contact.id.bytes().back());
  return out;
}

TEST(KBucketTest, ClampsCapacities) {
  KBucket bucket(0, -3);
  EXPECT_EQ(bucket.capacity(), 1);
  EXPECT_EQ(bucket.replacement_capacity(), 0);
}

TEST(KBucketTest, EmptyBucket) {
  KBucket bucket(2, 2);
  EXPECT_TRUE(bucket.empty());
  EXPECT_FALSE(bucket.full());
  EXPECT_EQ(bucket.LeastRecentlySeen(), nullptr);
  EXPECT_EQ(bucket.Find(MakeContact(1).id), nullptr);
  EXPECT_FALSE(bucket.Remove(MakeContact(1).id));
  EXPECT_FALSE(bucket.RemoveReplacement(MakeContact(1).id));
  EXPECT_FALSE(bucket.PromoteReplacement());
  EXPECT_EQ(bucket.last_touched(), absl::InfinitePast());
}

TEST(KBucketTest, InsertsUntilFullInSeenOrder) {
  KBucket bucket(3, 3);
  for (uint8_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(bucket.Upsert(MakeContact(i), kStart + absl::Seconds(i)),
              KBucket::UpsertOutcome::kInserted);
  }
  EXPECT_TRUE(bucket.full());
  EXPECT_EQ(bucket.Upsert(MakeContact(4), kStart),
            KBucket::UpsertOutcome::kFull);
  EXPECT_EQ(Order(bucket.entries()), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(bucket.LeastRecentlySeen()->contact, MakeContact(1));
}

TEST(KBucketTest, UpsertOfKnownContactMovesItToBackAndResetsState) {
  KBucket bucket(3, 3);
  for (uint8_t i = 1; i <= 3; ++i) bucket.Upsert(MakeContact(i), kStart);
  BucketEntry* first = bucket.Find(MakeContact(1).id);
  first->consecutive_failures = 2;
  first->eviction_ping_requested = kStart;
  Contact moved = MakeContact(1);
  moved.address = "10.9.9.9:1";
  const absl::Time later = kStart + absl::Minutes(1);
  EXPECT_EQ(bucket.Upsert(moved, later), KBucket::UpsertOutcome::kUpdated);
  EXPECT_EQ(Order(bucket.entries()), (std::vector<uint8_t>{2, 3, 1}));
  const BucketEntry& back = bucket.entries().back();
  EXPECT_EQ(back.contact.address, "10.9.9.9:1");
  EXPECT_EQ(back.last_seen, later);
  EXPECT_EQ(back.consecutive_failures, 0);
  EXPECT_EQ(back.eviction_ping_requested, absl::InfinitePast());
  EXPECT_EQ(bucket.size(), 3u);
}

TEST(KBucketTest, ReplacementCacheKeepsFreshestAndIsBounded) {
  KBucket bucket(1, 2);
  bucket.Upsert(MakeContact(1), kStart);
  for (uint8_t i = 2; i <= 5; ++i) {
    bucket.AddReplacement(MakeContact(i), kStart + absl::Seconds(i));
  }
  EXPECT_EQ(Order(bucket.replacements()), (std::vector<uint8_t>{4, 5}));
  // Re-hearing a cached candidate refreshes it in place of a new slot.
  bucket.AddReplacement(MakeContact(4), kStart + absl::Seconds(9));
  EXPECT_EQ(Order(bucket.replacements()), (std::vector<uint8_t>{5, 4}));
  EXPECT_EQ(bucket.replacements().back().last_seen, kStart + absl::Seconds(9));
}

TEST(KBucketTest, ReplacementIgnoresLiveContactsAndZeroCapacity) {
  KBucket bucket(1, 2);
  bucket.Upsert(MakeContact(1), kStart);
  bucket.AddReplacement(MakeContact(1), kStart);
  EXPECT_TRUE(bucket.replacements().empty());

  KBucket no_cache(1, 0);
  no_cache.Upsert(MakeContact(1), kStart);
  no_cache.AddReplacement(MakeContact(2), kStart);
  EXPECT_TRUE(no_cache.replacements().empty());
}

TEST(KBucketTest, PromoteTakesFreshestAndKeepsSeenOrder) {
  KBucket bucket(3, 3);
  bucket.Upsert(MakeContact(1), kStart + absl::Seconds(10));
  bucket.Upsert(MakeContact(2), kStart + absl::Seconds(20));
  bucket.Upsert(MakeContact(3), kStart + absl::Seconds(30));
  bucket.AddReplacement(MakeContact(7), kStart + absl::Seconds(5));
  bucket.AddReplacement(MakeContact(8), kStart + absl::Seconds(25));
  EXPECT_FALSE(bucket.PromoteReplacement());  // full
  ASSERT_TRUE(bucket.Remove(MakeContact(2).id));
  ASSERT_TRUE(bucket.PromoteReplacement());
  EXPECT_EQ(Order(bucket.entries()), (std::vector<uint8_t>{1, 8, 3}));
  EXPECT_EQ(Order(bucket.replacements()), (std::vector<uint8_t>{7}));
}

TEST(KBucketTest, InsertingAParkedCandidateTakesItOutOfTheCache) {
  KBucket bucket(2, 2);
  bucket.Upsert(MakeContact(1), kStart);
  bucket.AddReplacement(MakeContact(2), kStart);  // not normal, but legal
  EXPECT_EQ(bucket.Upsert(MakeContact(2), kStart),
            KBucket::UpsertOutcome::kInserted);
  EXPECT_TRUE(bucket.replacements().empty());
}

TEST(KBucketTest, TouchNeverMovesBack) {
  KBucket bucket(1, 1);
  bucket.Touch(kStart + absl::Hours(1));
  bucket.Touch(kStart);
  EXPECT_EQ(bucket.last_touched(), kStart + absl::Hours(1));
}

}  // namespace
}  // namespace datamgmt::kademlia
