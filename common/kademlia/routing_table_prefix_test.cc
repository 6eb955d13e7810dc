// The routing table's per-address-range limit (eclipse resistance): one
// IPv4 /24 or IPv6 /64 takes at most max_contacts_per_prefix contacts of a
// bucket, however many node IDs it makes up.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/kademlia/routing_table.h"
#include "gtest/gtest.h"

namespace datamgmt::kademlia {
namespace {

using Outcome = AddResult::Outcome;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
const NodeId kSelf;  // all zeros

// Contact number `n` (0..65535) of bucket 255 of kSelf, at `address`.
Contact InTopBucket(int n, std::string address) {
  IdBytes bytes{};
  bytes[0] = 0x80;
  bytes[kIdBytes - 2] = static_cast<uint8_t>(n >> 8);
  bytes[kIdBytes - 1] = static_cast<uint8_t>(n);
  return Contact{.id = NodeId(bytes), .address = std::move(address)};
}

// The attacker's block and addresses elsewhere.
std::string InBlock(int host) {
  return absl::StrCat("203.0.113.", host, ":8000");
}
std::string Elsewhere(int i) {
  return absl::StrCat("198.51.", i, ".7:8000");  // a different /24 each
}

int Count(const RoutingTable& table, absl::string_view prefix) {
  int n = 0;
  for (const Contact& c : table.Contacts()) {
    if (absl::StartsWith(c.address, prefix)) ++n;
  }
  return n;
}

TEST(RoutingTablePrefixTest, DefaultIsHalfABucket) {
  RoutingTableOptions options;
  EXPECT_EQ(options.EffectiveMaxContactsPerPrefix(), 10);
  options.k = 3;
  EXPECT_EQ(options.EffectiveMaxContactsPerPrefix(), 1);
  options.max_contacts_per_prefix = 0;
  EXPECT_EQ(options.EffectiveMaxContactsPerPrefix(), 0);
  EXPECT_TRUE(options.Validate().ok());
  options.max_contacts_per_prefix = -1;
  EXPECT_FALSE(options.Validate().ok());
}

TEST(RoutingTablePrefixTest, OneSlash24TakesAtMostItsShareOfABucket) {
  RoutingTable table(kSelf, {});  // k = 20, at most 10 per range
  int inserted = 0;
  for (int i = 0; i < 50; ++i) {
    const AddResult r = table.Add(InTopBucket(i, InBlock(i + 1)), kStart);
    if (r.outcome == Outcome::kInserted) {
      ++inserted;
    } else {
      EXPECT_EQ(r.outcome, Outcome::kRejectedPrefixLimit) << i;
      EXPECT_FALSE(r.ping_candidate.has_value());
    }
  }
  EXPECT_EQ(inserted, 10);
  EXPECT_EQ(Count(table, "203.0.113."), 10);
  // Nodes from other ranges still get in, up to k.
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(table.Add(InTopBucket(100 + i, Elsewhere(i)), kStart).outcome,
              Outcome::kInserted)
        << i;
  }
  EXPECT_EQ(table.size(), 20u);
  // A known contact of the block is still heard from normally.
  EXPECT_EQ(table.Add(InTopBucket(0, InBlock(1)), kStart).outcome,
            Outcome::kUpdated);
}

TEST(RoutingTablePrefixTest, Ipv6Slash64IsOneRange) {
  RoutingTableOptions options;
  options.max_contacts_per_prefix = 3;
  RoutingTable table(kSelf, options);
  for (int i = 0; i < 10; ++i) {
    table.Add(InTopBucket(i, absl::StrCat("[2001:db8:1:2::", i + 1, "]:8000")),
              kStart);
  }
  EXPECT_EQ(table.size(), 3u);
  // The next /64 is another range.
  EXPECT_EQ(
      table.Add(InTopBucket(50, "[2001:db8:1:3::1]:8000"), kStart).outcome,
      Outcome::kInserted);
}

TEST(RoutingTablePrefixTest, LoopbackAndNamesAreNotLimited) {
  RoutingTable table(kSelf, {});
  for (int i = 0; i < 15; ++i) {
    EXPECT_EQ(
        table.Add(InTopBucket(i, absl::StrCat("127.0.0.1:", 8000 + i)), kStart)
            .outcome,
        Outcome::kInserted);
  }
  for (int i = 15; i < 20; ++i) {
    EXPECT_EQ(
        table.Add(InTopBucket(i, absl::StrCat("node", i, ".example:8000")),
                  kStart)
            .outcome,
        Outcome::kInserted);
  }
  EXPECT_EQ(table.size(), 20u);
}

TEST(RoutingTablePrefixTest, ZeroDisablesTheLimit) {
  RoutingTableOptions options;
  options.max_contacts_per_prefix = 0;
  RoutingTable table(kSelf, options);
  for (int i = 0; i < 20; ++i) {
    table.Add(InTopBucket(i, InBlock(i + 1)), kStart);
  }
  EXPECT_EQ(table.size(), 20u);
}

TEST(RoutingTablePrefixTest, AContactCannotMoveIntoAFullRange) {
  RoutingTableOptions options;
  options.max_contacts_per_prefix = 2;
  RoutingTable table(kSelf, options);
  table.Add(InTopBucket(0, InBlock(1)), kStart);
  table.Add(InTopBucket(1, InBlock(2)), kStart);
  table.Add(InTopBucket(2, Elsewhere(0)), kStart);
  EXPECT_EQ(table.Add(InTopBucket(2, InBlock(3)), kStart).outcome,
            Outcome::kRejectedPrefixLimit);
  EXPECT_EQ(table.Find(InTopBucket(2, "").id)->address, Elsewhere(0));
}

TEST(RoutingTablePrefixTest, ARangeOnlyDisplacesItsOwnCandidates) {
  RoutingTableOptions options;
  options.k = 4;
  options.max_contacts_per_prefix = 2;
  options.replacement_cache_size = 4;
  options.fresh_contact_window = absl::Hours(1);  // no eviction pings
  RoutingTable table(kSelf, options);
  for (int i = 0; i < 4; ++i) {
    ASSERT_EQ(table.Add(InTopBucket(i, Elsewhere(i)), kStart).outcome,
              Outcome::kInserted);
  }
  // Two honest candidates from elsewhere, then a flood from the block.
  table.Add(InTopBucket(10, Elsewhere(10)), kStart + absl::Seconds(1));
  table.Add(InTopBucket(11, Elsewhere(11)), kStart + absl::Seconds(2));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(table.Add(InTopBucket(20 + i, InBlock(i + 1)),
                        kStart + absl::Seconds(3 + i))
                  .outcome,
              Outcome::kBucketFull);
  }
  // The honest candidates are still waiting. Emptying the bucket promotes
  // the freshest candidates first (the block's), but never more than the
  // block's share, then the honest ones.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(table.Remove(InTopBucket(i, "").id));
  }
  EXPECT_EQ(table.size(), 4u);
  EXPECT_EQ(Count(table, "203.0.113."), 2);
  EXPECT_TRUE(table.Find(InTopBucket(10, "").id).has_value());
  EXPECT_TRUE(table.Find(InTopBucket(11, "").id).has_value());
}

TEST(RoutingTablePrefixTest, PromotionSkipsARangeThatHasItsShare) {
  RoutingTableOptions options;
  options.k = 4;
  options.max_contacts_per_prefix = 2;
  options.replacement_cache_size = 4;
  options.fresh_contact_window = absl::Hours(1);
  RoutingTable table(kSelf, options);
  table.Add(InTopBucket(0, InBlock(1)), kStart);
  table.Add(InTopBucket(1, Elsewhere(1)), kStart);
  table.Add(InTopBucket(2, Elsewhere(2)), kStart);
  table.Add(InTopBucket(3, Elsewhere(3)), kStart);
  // Candidates: an honest one, then two of the block (fresher).
  table.Add(InTopBucket(10, Elsewhere(10)), kStart + absl::Seconds(1));
  table.Add(InTopBucket(20, InBlock(20)), kStart + absl::Seconds(2));
  table.Add(InTopBucket(21, InBlock(21)), kStart + absl::Seconds(3));
  // The first eviction promotes the freshest candidate: the block's second.
  ASSERT_TRUE(table.Remove(InTopBucket(1, "").id));
  EXPECT_TRUE(table.Find(InTopBucket(21, "").id).has_value());
  EXPECT_EQ(Count(table, "203.0.113."), 2);
  // The block now has its share: the next promotion skips its candidate.
  ASSERT_TRUE(table.Remove(InTopBucket(2, "").id));
  EXPECT_TRUE(table.Find(InTopBucket(10, "").id).has_value());
  EXPECT_FALSE(table.Find(InTopBucket(20, "").id).has_value());
  EXPECT_EQ(Count(table, "203.0.113."), 2);
}

}  // namespace
}  // namespace datamgmt::kademlia
