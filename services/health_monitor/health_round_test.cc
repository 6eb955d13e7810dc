#include "services/health_monitor/health_round.h"

#include "gtest/gtest.h"

namespace datamgmt::health {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

std::vector<PeerSnapshot> OnePeer(absl::Time last_seen) {
  return {{.address = "10.0.0.1:8000", .stats = {.last_seen = last_seen}}};
}

TEST(HealthRoundTest, DefaultsAreTheSeeds) {
  HealthRoundOptions options;
  EXPECT_EQ(options.unresponsive_after, absl::Seconds(60));
  EXPECT_EQ(options.prune_age, absl::Hours(1));
  EXPECT_TRUE(options.Validate().ok());
}

TEST(HealthRoundTest, ValidateRejectsBadOptions) {
  HealthRoundOptions zero;
  zero.unresponsive_after = absl::ZeroDuration();
  EXPECT_FALSE(zero.Validate().ok());
  HealthRoundOptions inverted;
  inverted.unresponsive_after = absl::Minutes(10);
  inverted.prune_age = absl::Minutes(5);
  EXPECT_FALSE(inverted.Validate().ok());
}

TEST(HealthRoundTest, PingsOnlyAfterTheIntervalHasPassed) {
  const HealthRoundOptions options;
  absl::Time now = kStart;
  // Stepping time from the peer's last response.
  EXPECT_TRUE(PlanRound(OnePeer(kStart), now, options).pings.empty());
  now += absl::Seconds(60);  // exactly 60 s: still responsive
  EXPECT_TRUE(PlanRound(OnePeer(kStart), now, options).pings.empty());
  now += absl::Nanoseconds(1);
  RoundPlan plan = PlanRound(OnePeer(kStart), now, options);
  ASSERT_EQ(plan.pings.size(), 1u);
  EXPECT_EQ(plan.pings[0].address, "10.0.0.1:8000");
  EXPECT_FALSE(plan.pings[0].dead);
}

// After a partition a peer answers again but its lifetime success rate is
// still at or below 50%: it is pinged every round, even though it just
// answered, until the rate recovers.
TEST(HealthRoundTest, PeersFailingTheSuccessRateArePingedEveryRound) {
  const HealthRoundOptions options;
  std::vector<PeerSnapshot> peers = {
      {.address = "10.0.0.1:8000",
       .stats = {.last_seen = kStart, .success_count = 5, .failure_count = 5}},
      {.address = "10.0.0.2:8000",
       .stats = {.last_seen = kStart, .success_count = 6, .failure_count = 5}},
      {.address = "10.0.0.3:8000",  // a new peer: fewer than 5 attempts
       .stats = {.last_seen = kStart, .success_count = 0, .failure_count = 4}},
  };
  RoundPlan plan = PlanRound(peers, kStart + absl::Seconds(1), options);
  ASSERT_EQ(plan.pings.size(), 1u);
  EXPECT_EQ(plan.pings[0].address, "10.0.0.1:8000");
  EXPECT_FALSE(plan.pings[0].dead);
}

TEST(HealthRoundTest, DeadOnlyAfterThePruneAge) {
  const HealthRoundOptions options;
  absl::Time now = kStart + absl::Hours(1);  // exactly 1 h: not dead yet
  RoundPlan plan = PlanRound(OnePeer(kStart), now, options);
  ASSERT_EQ(plan.pings.size(), 1u);
  EXPECT_FALSE(plan.pings[0].dead);
  now += absl::Nanoseconds(1);
  plan = PlanRound(OnePeer(kStart), now, options);
  ASSERT_EQ(plan.pings.size(), 1u);
  EXPECT_TRUE(plan.pings[0].dead);
  EXPECT_EQ(plan.prune_before, now - absl::Hours(1));
}

TEST(HealthRoundTest, NeverSeenPeerIsPingedAndDead) {
  RoundPlan plan =
      PlanRound(OnePeer(absl::InfinitePast()), kStart, HealthRoundOptions{});
  ASSERT_EQ(plan.pings.size(), 1u);
  EXPECT_TRUE(plan.pings[0].dead);
}

TEST(HealthRoundTest, MixedPeersKeepInputOrder) {
  const absl::Time now = kStart + absl::Hours(2);
  std::vector<PeerSnapshot> peers = {
      {.address = "a:1", .stats = {.last_seen = now - absl::Seconds(10)}},
      {.address = "b:1", .stats = {.last_seen = now - absl::Minutes(2)}},
      {.address = "c:1", .stats = {.last_seen = now - absl::Hours(2)}},
      {.address = "d:1", .stats = {.last_seen = now + absl::Seconds(5)}},
  };
  RoundPlan plan = PlanRound(peers, now, HealthRoundOptions{});
  ASSERT_EQ(plan.pings.size(), 2u);
  EXPECT_EQ(plan.pings[0].address, "b:1");
  EXPECT_FALSE(plan.pings[0].dead);
  EXPECT_EQ(plan.pings[1].address, "c:1");
  EXPECT_TRUE(plan.pings[1].dead);
}

TEST(HealthRoundTest, ShortenedIntervalsApply) {
  const HealthRoundOptions options{.unresponsive_after = absl::Seconds(5),
                                   .prune_age = absl::Seconds(20)};
  const absl::Time now = kStart + absl::Seconds(21);
  RoundPlan plan = PlanRound(OnePeer(kStart), now, options);
  ASSERT_EQ(plan.pings.size(), 1u);
  EXPECT_TRUE(plan.pings[0].dead);
  EXPECT_EQ(plan.prune_before, kStart + absl::Seconds(1));
}

}  // namespace
}  // namespace datamgmt::health
