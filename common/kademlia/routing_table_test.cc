#include "common/kademlia/routing_table.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace datamgmt::kademlia {
namespace {

using Outcome = AddResult::Outcome;

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
const NodeId kSelf;  // all zeros

// A contact in bucket 255 of kSelf (top bit set), told apart by `n`.
Contact Far(uint8_t n) {
  IdBytes bytes{};
  bytes[0] = 0x80;
  bytes[kIdBytes - 1] = n;
  return Contact{.id = NodeId(bytes), .address = absl::StrCat("10.0.0.", n)};
}

// The paper's rule (every full-bucket newcomer pings) unless a window is
// given.
RoutingTable SmallTable(int k, int cache,
                        absl::Duration fresh_window = absl::ZeroDuration()) {
  RoutingTableOptions options;
  options.k = k;
  options.replacement_cache_size = cache;
  options.fresh_contact_window = fresh_window;
  return RoutingTable(kSelf, options);
}

// Fills bucket 255 with Far(1..k), Far(1) least recently seen.
void Fill(RoutingTable& table, int k) {
  for (int i = 1; i <= k; ++i) {
    ASSERT_EQ(table.Add(Far(i), kStart + absl::Seconds(i)).outcome,
              Outcome::kInserted);
  }
}

TEST(RoutingTableOptionsTest, DefaultsAreValid) {
  RoutingTableOptions options;
  EXPECT_TRUE(options.Validate().ok());
  EXPECT_EQ(options.k, 20);
  EXPECT_EQ(options.EffectiveReplacementCacheSize(), 20);
  options.k = 8;
  EXPECT_EQ(options.EffectiveReplacementCacheSize(), 8);
  EXPECT_EQ(options.bucket_refresh_interval, absl::Hours(1));
}

TEST(RoutingTableOptionsTest, ValidateRejectsNonsense) {
  auto invalid = [](auto mutate) {
    RoutingTableOptions options;
    mutate(options);
    return options.Validate().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](auto& o) { o.k = 0; }));
  EXPECT_TRUE(invalid([](auto& o) { o.k = -1; }));
  EXPECT_TRUE(invalid([](auto& o) { o.replacement_cache_size = -1; }));
  EXPECT_TRUE(invalid([](auto& o) { o.bucket_refresh_interval = {}; }));
  EXPECT_TRUE(
      invalid([](auto& o) { o.bucket_refresh_interval = -absl::Seconds(1); }));
  EXPECT_TRUE(invalid([](auto& o) { o.max_consecutive_failures = 0; }));
  EXPECT_TRUE(invalid([](auto& o) { o.eviction_ping_timeout = {}; }));
  EXPECT_TRUE(
      invalid([](auto& o) { o.fresh_contact_window = -absl::Seconds(1); }));
  EXPECT_FALSE(invalid([](auto& o) { o.replacement_cache_size = 0; }));
  EXPECT_FALSE(invalid([](auto& o) { o.fresh_contact_window = {}; }));
}

TEST(RoutingTableTest, CreateValidatesAndConstructorClamps) {
  RoutingTableOptions bad;
  bad.k = 0;
  EXPECT_EQ(RoutingTable::Create(kSelf, bad).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<RoutingTable> good = RoutingTable::Create(kSelf, {});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->self(), kSelf);

  RoutingTable clamped(kSelf, bad);
  EXPECT_EQ(clamped.options().k, 1);
  EXPECT_EQ(clamped.Add(Far(1), kStart).outcome, Outcome::kInserted);
  EXPECT_EQ(clamped.Add(Far(2), kStart).outcome, Outcome::kBucketFull);
}

TEST(RoutingTableTest, EmptyTable) {
  RoutingTable table(kSelf, {});
  EXPECT_EQ(table.size(), 0u);
  EXPECT_TRUE(table.empty());
  EXPECT_TRUE(table.Closest(kSelf, 20).empty());
  EXPECT_TRUE(table.Closest(Far(1).id, 20).empty());
  EXPECT_EQ(table.Find(Far(1).id), std::nullopt);
  EXPECT_TRUE(table.Contacts().empty());
  EXPECT_FALSE(table.Remove(Far(1).id));
  EXPECT_FALSE(table.MarkFailed(Far(1).id, kStart));
  table.OnPingResult(Far(1).id, false, kStart);
  table.OnPingResult(kSelf, true, kStart);
  EXPECT_FALSE(table.Remove(kSelf));
  EXPECT_TRUE(table.empty());
}

TEST(RoutingTableTest, IgnoresSelf) {
  RoutingTable table(kSelf, {});
  AddResult r = table.Add(Contact{.id = kSelf, .address = "me:1"}, kStart);
  EXPECT_EQ(r.outcome, Outcome::kIgnoredSelf);
  EXPECT_EQ(r.ping_candidate, std::nullopt);
  EXPECT_EQ(table.size(), 0u);
  EXPECT_EQ(table.Find(kSelf), std::nullopt);
}

TEST(RoutingTableTest, AddsAndFinds) {
  RoutingTable table(kSelf, {});
  AddResult r = table.Add(Far(1), kStart);
  EXPECT_EQ(r.outcome, Outcome::kInserted);
  EXPECT_EQ(r.ping_candidate, std::nullopt);
  EXPECT_EQ(table.Find(Far(1).id), Far(1));
  std::optional<BucketEntry> entry = table.FindEntry(Far(1).id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->last_seen, kStart);
  EXPECT_EQ(table.size(), 1u);
}

TEST(RoutingTableTest, ReAddMovesToMostRecentAndUpdatesAddress) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  Contact moved = Far(1);
  moved.address = "192.168.1.10:8000";
  AddResult r = table.Add(moved, kStart + absl::Minutes(1));
  EXPECT_EQ(r.outcome, Outcome::kUpdated);
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.Find(Far(1).id)->address, "192.168.1.10:8000");
  std::vector<Contact> order = table.Contacts();
  EXPECT_EQ(order, (std::vector<Contact>{Far(2), Far(3), moved}));
  EXPECT_EQ(table.FindEntry(Far(1).id)->last_seen, kStart + absl::Minutes(1));
}

TEST(RoutingTableTest, FullBucketAsksToPingLeastRecentlySeen) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  AddResult r = table.Add(Far(9), kStart + absl::Seconds(10));
  EXPECT_EQ(r.outcome, Outcome::kBucketFull);
  EXPECT_EQ(r.ping_candidate, Far(1));
  EXPECT_EQ(table.size(), 3u);
  EXPECT_EQ(table.Find(Far(9).id), std::nullopt);  // parked, not live
}

TEST(RoutingTableTest, AnsweredPingKeepsOldContact) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  table.Add(Far(9), kStart + absl::Seconds(10));
  table.OnPingResult(Far(1).id, true, kStart + absl::Seconds(11));
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(2), Far(3), Far(1)}));
  EXPECT_EQ(table.FindEntry(Far(1).id)->last_seen, kStart + absl::Seconds(11));
  // The next newcomer asks for a ping of the new least recently seen.
  AddResult r = table.Add(Far(10), kStart + absl::Seconds(12));
  EXPECT_EQ(r.ping_candidate, Far(2));
}

TEST(RoutingTableTest, FailedPingEvictsAndPromotesFreshestReplacement) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  table.Add(Far(8), kStart + absl::Seconds(10));
  table.Add(Far(9), kStart + absl::Seconds(11));
  table.OnPingResult(Far(1).id, false, kStart + absl::Seconds(12));
  EXPECT_EQ(table.Find(Far(1).id), std::nullopt);
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(2), Far(3), Far(9)}));
  // Far(8) is still parked and takes the next free slot.
  table.OnPingResult(Far(2).id, false, kStart + absl::Seconds(13));
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(3), Far(8), Far(9)}));
}

TEST(RoutingTableTest, OutstandingPingIsNotRequestedTwiceUntilTimeout) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  const absl::Time t = kStart + absl::Seconds(10);
  EXPECT_EQ(table.Add(Far(8), t).ping_candidate, Far(1));
  AddResult second = table.Add(Far(9), t + absl::Seconds(59));
  EXPECT_EQ(second.outcome, Outcome::kBucketFull);
  EXPECT_EQ(second.ping_candidate, std::nullopt);
  EXPECT_EQ(table.Add(Far(9), t + absl::Minutes(1)).ping_candidate, Far(1));
}

TEST(RoutingTableTest, HearingFromPingCandidateCancelsItsPing) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  table.Add(Far(8), kStart + absl::Seconds(10));
  EXPECT_EQ(table.Add(Far(1), kStart + absl::Seconds(11)).outcome,
            Outcome::kUpdated);
  EXPECT_EQ(table.Add(Far(9), kStart + absl::Seconds(12)).ping_candidate,
            Far(2));
}

TEST(RoutingTableTest, RecentlyHeardLeastRecentlySeenIsNotPinged) {
  RoutingTable table = SmallTable(3, 3, absl::Minutes(1));
  Fill(table, 3);  // Far(1) last seen at kStart + 1 s
  AddResult r = table.Add(Far(9), kStart + absl::Seconds(60));
  EXPECT_EQ(r.outcome, Outcome::kBucketFull);
  EXPECT_EQ(r.ping_candidate, std::nullopt) << "Far(1) was heard 59 s ago";
  // A minute after Far(1) was last heard, a newcomer asks for the ping.
  r = table.Add(Far(10), kStart + absl::Seconds(61));
  EXPECT_EQ(r.ping_candidate, Far(1));
  // The parked newcomers still replace Far(1) if it fails to answer.
  table.OnPingResult(Far(1).id, false, kStart + absl::Seconds(62));
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(2), Far(3), Far(10)}));
}

TEST(RoutingTableTest, DefaultFreshWindowIsOneMinute) {
  EXPECT_EQ(RoutingTableOptions().fresh_contact_window, absl::Minutes(1));
}

TEST(RoutingTableTest, ReplacementCacheIsBoundedToFreshest) {
  RoutingTable table = SmallTable(2, 2);
  Fill(table, 2);
  for (int i = 10; i < 15; ++i) table.Add(Far(i), kStart + absl::Seconds(i));
  // Only Far(13) and Far(14) survive in the cache.
  table.OnPingResult(Far(1).id, false, kStart + absl::Seconds(20));
  table.OnPingResult(Far(2).id, false, kStart + absl::Seconds(20));
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(13), Far(14)}));
  table.OnPingResult(Far(13).id, false, kStart + absl::Seconds(21));
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(14)}));
  EXPECT_EQ(table.Add(Far(10), kStart + absl::Seconds(22)).outcome,
            Outcome::kInserted);
}

TEST(RoutingTableTest, ZeroReplacementCacheStillPingsButParksNobody) {
  RoutingTable table = SmallTable(1, 0);
  Fill(table, 1);
  EXPECT_EQ(table.Add(Far(9), kStart).ping_candidate, Far(1));
  table.OnPingResult(Far(1).id, false, kStart);
  EXPECT_TRUE(table.empty());
}

TEST(RoutingTableTest, MarkFailedEvictsAfterConsecutiveFailures) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  EXPECT_FALSE(table.MarkFailed(Far(2).id, kStart));
  EXPECT_FALSE(table.MarkFailed(Far(2).id, kStart));
  EXPECT_EQ(table.FindEntry(Far(2).id)->consecutive_failures, 2);
  EXPECT_EQ(table.FindEntry(Far(2).id)->last_seen, kStart + absl::Seconds(2));
  table.Add(Far(2), kStart + absl::Seconds(5));  // heard from: count resets
  EXPECT_FALSE(table.MarkFailed(Far(2).id, kStart + absl::Seconds(6)));
  EXPECT_FALSE(table.MarkFailed(Far(2).id, kStart + absl::Seconds(7)));
  EXPECT_TRUE(table.MarkFailed(Far(2).id, kStart + absl::Seconds(8)));
  EXPECT_EQ(table.Find(Far(2).id), std::nullopt);
  EXPECT_EQ(table.size(), 2u);
}

TEST(RoutingTableTest, MarkFailedEvictsAtOnceWhenReplacementWaits) {
  RoutingTable table = SmallTable(3, 3);
  Fill(table, 3);
  table.Add(Far(9), kStart + absl::Seconds(10));
  EXPECT_TRUE(table.MarkFailed(Far(3).id, kStart + absl::Seconds(11)));
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(1), Far(2), Far(9)}));
  EXPECT_FALSE(table.MarkFailed(Far(7).id, kStart));  // unknown
}

TEST(RoutingTableTest, RemovePromotesAndDropsParkedCandidates) {
  RoutingTable table = SmallTable(2, 2);
  Fill(table, 2);
  table.Add(Far(8), kStart + absl::Seconds(10));
  table.Add(Far(9), kStart + absl::Seconds(11));
  EXPECT_TRUE(table.Remove(Far(9).id));  // a parked candidate
  EXPECT_TRUE(table.Remove(Far(1).id));  // Far(8) takes its place
  EXPECT_EQ(table.Contacts(), (std::vector<Contact>{Far(2), Far(8)}));
  EXPECT_FALSE(table.Remove(Far(9).id));
  EXPECT_FALSE(table.Remove(Far(1).id));
}

// Brute force: every contact in the table, sorted by distance to target.
std::vector<Contact> BruteForceSorted(const RoutingTable& table,
                                      const NodeId& target) {
  std::vector<std::pair<Distance, Contact>> keyed;
  for (Contact& c : table.Contacts()) {
    keyed.emplace_back(Xor(target, c.id), std::move(c));
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Contact> out;
  for (auto& [distance, c] : keyed) out.push_back(std::move(c));
  return out;
}

void ExpectClosestMatchesBruteForce(int k, uint32_t seed) {
  std::seed_seq seq{seed};
  std::mt19937_64 gen(seq);
  const NodeId self = NodeId::Random(gen);
  RoutingTableOptions options;
  options.k = k;
  RoutingTable table(self, options);
  std::vector<NodeId> targets = {self};
  for (int i = 0; i < 3000; ++i) {
    // Mostly uniform IDs (the far buckets), some in every bucket.
    const NodeId id = i % 3 == 0 ? RandomIdInBucket(self, i % kIdBits, gen)
                                 : NodeId::Random(gen);
    table.Add(Contact{.id = id, .address = absl::StrCat("h:", i)}, kStart);
    if (i % 100 == 0) targets.push_back(id);
  }
  for (int i = 0; i < 40; ++i) targets.push_back(NodeId::Random(gen));
  for (int b : {0, 1, 7, 100, 200, 250, 254, 255}) {
    targets.push_back(RandomIdInBucket(self, b, gen));
  }
  ASSERT_GT(table.size(), 200u);
  for (const NodeId& target : targets) {
    const std::vector<Contact> all = BruteForceSorted(table, target);
    for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{20}, size_t{160},
                     table.size() + 5}) {
      std::vector<Contact> got = table.Closest(target, n);
      const std::vector<Contact> want(all.begin(),
                                      all.begin() + std::min(n, all.size()));
      ASSERT_EQ(got, want) << "target " << target.ShortHex() << " n " << n;
      for (const Contact& c : got) EXPECT_NE(c.id, self);
    }
  }
}

TEST(RoutingTableTest, ClosestMatchesBruteForce) {
  ExpectClosestMatchesBruteForce(/*k=*/20, /*seed=*/1);
  ExpectClosestMatchesBruteForce(/*k=*/20, /*seed=*/2);
  ExpectClosestMatchesBruteForce(/*k=*/3000, /*seed=*/3);  // holds them all
}

TEST(RoutingTableTest, ContactsAndEntriesEnumerateEveryLiveContact) {
  std::seed_seq seq{11};
  std::mt19937_64 gen(seq);
  RoutingTable table(kSelf, {});
  for (int i = 0; i < 500; ++i) {
    table.Add(Contact{.id = NodeId::Random(gen), .address = "a:1"}, kStart);
  }
  EXPECT_EQ(table.Contacts().size(), table.size());
  EXPECT_EQ(table.Entries().size(), table.size());
  for (const Contact& c : table.Contacts()) EXPECT_EQ(table.Find(c.id), c);
}

// A contact in bucket `bucket` of kSelf: only bit `bucket` (from the least
// significant end) set.
Contact InBucket(int bucket) {
  IdBytes bytes{};
  bytes[kIdBytes - 1 - bucket / 8] = static_cast<uint8_t>(1u << (bucket % 8));
  return Contact{.id = NodeId(bytes), .address = absl::StrCat("b:", bucket)};
}

TEST(RoutingTableRefreshTest, EmptyTableNeverDue) {
  RoutingTable table(kSelf, {});
  EXPECT_TRUE(table.BucketsDueForRefresh(kStart).empty());
  EXPECT_EQ(table.NextRefreshDeadline(), absl::InfiniteFuture());
  // Refreshing an empty table's bucket is allowed and makes nothing due.
  ASSERT_TRUE(table.MarkRefreshed(3, kStart).ok());
  EXPECT_TRUE(table.BucketsDueForRefresh(kStart + absl::Hours(5)).empty());
  EXPECT_EQ(table.NextRefreshDeadline(), absl::InfiniteFuture());
}

TEST(RoutingTableRefreshTest, BucketIsDueAnIntervalAfterItsLastTouch) {
  RoutingTable table(kSelf, {});
  ASSERT_EQ(BucketIndex(kSelf, InBucket(255).id), 255);
  table.Add(InBucket(255), kStart);
  EXPECT_EQ(table.NextRefreshDeadline(), kStart + absl::Hours(1));
  EXPECT_TRUE(
      table.BucketsDueForRefresh(kStart + absl::Hours(1) - absl::Seconds(1))
          .empty());
  EXPECT_EQ(table.BucketsDueForRefresh(kStart + absl::Hours(1)),
            std::vector<int>{255});
  ASSERT_TRUE(table.MarkRefreshed(255, kStart + absl::Hours(1)).ok());
  EXPECT_TRUE(table.BucketsDueForRefresh(kStart + absl::Hours(1)).empty());
  EXPECT_EQ(table.NextRefreshDeadline(), kStart + absl::Hours(2));
}

TEST(RoutingTableRefreshTest, HearingFromAContactTouchesItsBucket) {
  RoutingTable table = SmallTable(1, 1);
  table.Add(InBucket(255), kStart);
  table.Add(InBucket(255), kStart + absl::Minutes(30));  // kUpdated
  EXPECT_EQ(table.NextRefreshDeadline(), kStart + absl::Minutes(90));
  Contact other = InBucket(255);
  other.id = Far(7).id;
  EXPECT_EQ(table.Add(other, kStart + absl::Minutes(40)).outcome,
            Outcome::kBucketFull);  // a newcomer in range counts too
  EXPECT_EQ(table.NextRefreshDeadline(), kStart + absl::Minutes(100));
  table.OnPingResult(InBucket(255).id, true, kStart + absl::Minutes(50));
  EXPECT_EQ(table.NextRefreshDeadline(), kStart + absl::Minutes(110));
}

TEST(RoutingTableRefreshTest, UntouchedBucketsFartherThanNearestAreDueNow) {
  RoutingTable table(kSelf, {});
  table.Add(InBucket(255), kStart);
  table.Add(InBucket(250), kStart);
  // 251..254 were never touched: due at once (join-time refresh); buckets
  // nearer than 250 hold nobody to find and are never due.
  EXPECT_EQ(table.BucketsDueForRefresh(kStart),
            (std::vector<int>{251, 252, 253, 254}));
  EXPECT_EQ(table.NextRefreshDeadline(), absl::InfinitePast());
  for (int b = 251; b <= 254; ++b) {
    ASSERT_TRUE(table.MarkRefreshed(b, kStart + absl::Minutes(1)).ok());
  }
  EXPECT_EQ(table.NextRefreshDeadline(), kStart + absl::Hours(1));
  EXPECT_EQ(table.BucketsDueForRefresh(kStart + absl::Hours(1)),
            (std::vector<int>{250, 255}));
  EXPECT_EQ(table.BucketsDueForRefresh(kStart + absl::Hours(2)),
            (std::vector<int>{250, 251, 252, 253, 254, 255}));
}

TEST(RoutingTableRefreshTest, CustomIntervalAndEmptiedTable) {
  RoutingTableOptions options;
  options.bucket_refresh_interval = absl::Minutes(15);
  RoutingTable table(kSelf, options);
  table.Add(InBucket(255), kStart);
  EXPECT_EQ(table.NextRefreshDeadline(), kStart + absl::Minutes(15));
  ASSERT_TRUE(table.Remove(InBucket(255).id));
  EXPECT_EQ(table.NextRefreshDeadline(), absl::InfiniteFuture());
}

TEST(RoutingTableRefreshTest, MarkRefreshedRejectsBadBucket) {
  RoutingTable table(kSelf, {});
  EXPECT_EQ(table.MarkRefreshed(-1, kStart).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.MarkRefreshed(256, kStart).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(table.MarkRefreshed(0, kStart).ok());
  EXPECT_TRUE(table.MarkRefreshed(255, kStart).ok());
}

}  // namespace
}  // namespace datamgmt::kademlia
