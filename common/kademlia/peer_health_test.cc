#include "common/kademlia/peer_health.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace datamgmt::kademlia {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

PeerStats Stats(absl::Duration since_seen, int64_t ok, int64_t failed) {
  return PeerStats{.last_seen = kNow - since_seen,
                   .success_count = ok,
                   .failure_count = failed};
}

TEST(HealthOptionsTest, DefaultsComeFromTheSeed) {
  HealthOptions options;
  EXPECT_TRUE(options.Validate().ok());
  EXPECT_EQ(options.healthy_response_window, absl::Minutes(5));
  EXPECT_EQ(options.min_success_rate, 0.5);
  EXPECT_EQ(options.new_peer_attempts, 5);
  EXPECT_EQ(options.prune_age, absl::Hours(1));
}

TEST(HealthOptionsTest, ValidateRejectsNonsense) {
  auto invalid = [](auto mutate) {
    HealthOptions options;
    mutate(options);
    return options.Validate().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(invalid([](auto& o) { o.healthy_response_window = {}; }));
  EXPECT_TRUE(
      invalid([](auto& o) { o.healthy_response_window = -absl::Minutes(5); }));
  EXPECT_TRUE(invalid([](auto& o) { o.min_success_rate = -0.01; }));
  EXPECT_TRUE(invalid([](auto& o) { o.min_success_rate = 1.01; }));
  EXPECT_TRUE(invalid([](auto& o) {
    o.min_success_rate = std::numeric_limits<double>::quiet_NaN();
  }));
  EXPECT_TRUE(invalid([](auto& o) { o.new_peer_attempts = -1; }));
  EXPECT_TRUE(invalid([](auto& o) { o.prune_age = {}; }));
  EXPECT_TRUE(invalid([](auto& o) { o.prune_age = -absl::Hours(1); }));
  EXPECT_FALSE(invalid([](auto& o) { o.min_success_rate = 0.0; }));
  EXPECT_FALSE(invalid([](auto& o) { o.min_success_rate = 1.0; }));
  EXPECT_FALSE(invalid([](auto& o) { o.new_peer_attempts = 0; }));
}

TEST(PeerHealthTest, SuccessRate) {
  EXPECT_EQ(SuccessRate(PeerStats{}), 0.0);  // no attempts: documented 0
  EXPECT_EQ(SuccessRate(Stats({}, 3, 1)), 0.75);
  EXPECT_EQ(SuccessRate(Stats({}, 0, 4)), 0.0);
  EXPECT_EQ(SuccessRate(Stats({}, 4, 0)), 1.0);
  EXPECT_EQ(TotalAttempts(Stats({}, 100, 5)), 105);
}

// Found by fuzz/known_peers_fuzz: known_peers.json may hold counts up to
// INT64_MAX, and their sum overflowed (a peer with 2^63-1 successes and one
// failure counted as a new peer).
TEST(PeerHealthTest, HugeCountsSaturateInsteadOfOverflowing) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const PeerStats stats = Stats(absl::Minutes(1), kMax, 1);
  EXPECT_EQ(TotalAttempts(stats), kMax);
  EXPECT_EQ(TotalAttempts(Stats(absl::Minutes(1), kMax, kMax)), kMax);
  EXPECT_NEAR(SuccessRate(stats), 1.0, 1e-9);
  HealthOptions options;
  EXPECT_TRUE(IsHealthy(stats, kNow, options));
  EXPECT_FALSE(IsHealthy(Stats(absl::Minutes(1), 1, kMax), kNow, options));
  EXPECT_TRUE(FailsSuccessRate(Stats(absl::Minutes(1), 1, kMax), options));

  PeerStats full = Stats(absl::Minutes(1), kMax, kMax);
  RecordSuccess(full, kNow);
  RecordFailure(full);
  EXPECT_EQ(full.success_count, kMax);
  EXPECT_EQ(full.failure_count, kMax);
}

TEST(PeerHealthTest, NewPeerThresholdIsFiveAttempts) {
  const HealthOptions options;
  // Never responded, all failures: healthy only while it is new.
  PeerStats four_failures{.failure_count = 4};
  PeerStats five_failures{.failure_count = 5};
  EXPECT_TRUE(IsHealthy(four_failures, kNow, options));
  EXPECT_FALSE(IsHealthy(five_failures, kNow, options));
}

TEST(PeerHealthTest, SuccessRateMustBeStrictlyAboveHalf) {
  const HealthOptions options;
  EXPECT_FALSE(IsHealthy(Stats(absl::Seconds(1), 50, 50), kNow, options));
  EXPECT_TRUE(IsHealthy(Stats(absl::Seconds(1), 51, 49), kNow, options));
  EXPECT_FALSE(IsHealthy(Stats(absl::Seconds(1), 3, 3), kNow, options));
}

TEST(PeerHealthTest, ResponseWindowIsInclusive) {
  const HealthOptions options;
  EXPECT_TRUE(IsHealthy(Stats(absl::Minutes(5), 10, 0), kNow, options));
  EXPECT_FALSE(IsHealthy(Stats(absl::Minutes(5) + absl::Seconds(1), 10, 0),
                         kNow, options));
  // A last_seen slightly in the future (clock skew) is within the window.
  EXPECT_TRUE(IsHealthy(Stats(-absl::Seconds(1), 10, 0), kNow, options));
}

TEST(PeerHealthTest, DeadStrictlyAfterPruneAge) {
  const HealthOptions options;
  EXPECT_FALSE(IsDead(Stats(absl::Hours(1), 0, 0), kNow, options));
  EXPECT_TRUE(
      IsDead(Stats(absl::Hours(1) + absl::Seconds(1), 0, 0), kNow, options));
  EXPECT_FALSE(IsDead(Stats(absl::ZeroDuration(), 0, 9), kNow, options));
}

TEST(PeerHealthTest, PeerNeverSeen) {
  const HealthOptions options;
  const PeerStats never;
  EXPECT_EQ(never.last_seen, absl::InfinitePast());
  EXPECT_TRUE(IsHealthy(never, kNow, options));  // new: 0 attempts
  EXPECT_TRUE(IsDead(never, kNow, options));
  EXPECT_TRUE(NeedsPing(never, kNow, absl::Seconds(60)));
  PeerStats tried{.failure_count = 10};
  EXPECT_FALSE(IsHealthy(tried, kNow, options));
}

TEST(PeerHealthTest, NeedsPingAfterCheckInterval) {
  EXPECT_FALSE(
      NeedsPing(Stats(absl::Seconds(60), 1, 0), kNow, absl::Seconds(60)));
  EXPECT_TRUE(
      NeedsPing(Stats(absl::Seconds(61), 1, 0), kNow, absl::Seconds(60)));
  EXPECT_FALSE(NeedsPing(Stats({}, 1, 0), kNow, absl::Seconds(60)));
}

TEST(PeerHealthTest, FailsSuccessRateIgnoresRecency) {
  const HealthOptions options;
  // 2 of 4: a new peer, the rate does not count yet.
  EXPECT_FALSE(FailsSuccessRate(Stats({}, 2, 2), options));
  // 5 of 10 is not above 50%; 6 of 11 is.
  EXPECT_TRUE(FailsSuccessRate(Stats({}, 5, 5), options));
  EXPECT_FALSE(FailsSuccessRate(Stats({}, 6, 5), options));
  // Answered just now or long ago: the same answer.
  EXPECT_TRUE(FailsSuccessRate(Stats(absl::Hours(2), 1, 9), options));
}

TEST(PeerHealthTest, CustomOptions) {
  HealthOptions options;
  options.healthy_response_window = absl::Minutes(1);
  options.min_success_rate = 0.9;
  options.new_peer_attempts = 0;
  options.prune_age = absl::Minutes(10);
  ASSERT_TRUE(options.Validate().ok());
  EXPECT_FALSE(IsHealthy(PeerStats{}, kNow, options));  // no new-peer rule
  EXPECT_FALSE(IsHealthy(Stats(absl::Seconds(30), 9, 1), kNow, options));
  EXPECT_TRUE(IsHealthy(Stats(absl::Seconds(30), 19, 1), kNow, options));
  EXPECT_FALSE(IsHealthy(Stats(absl::Seconds(61), 19, 1), kNow, options));
  EXPECT_FALSE(IsDead(Stats(absl::Minutes(10), 1, 0), kNow, options));
  EXPECT_TRUE(IsDead(Stats(absl::Minutes(11), 1, 0), kNow, options));
}

TEST(PeerHealthTest, RecordSuccessAndFailure) {
  PeerStats stats;
  RecordFailure(stats);
  EXPECT_EQ(stats.failure_count, 1);
  EXPECT_EQ(stats.last_seen, absl::InfinitePast());  // failure: not seen
  RecordSuccess(stats, kNow);
  EXPECT_EQ(stats.success_count, 1);
  EXPECT_EQ(stats.last_seen, kNow);
  RecordSuccess(stats, kNow - absl::Minutes(1));  // late report
  EXPECT_EQ(stats.success_count, 2);
  EXPECT_EQ(stats.last_seen, kNow);
  RecordFailure(stats);
  EXPECT_EQ(
      stats,
      (PeerStats{.last_seen = kNow, .success_count = 2, .failure_count = 2}));
}

TEST(PeerHealthTest, SeedLifecycleByStepping) {
  const HealthOptions options;
  PeerStats stats;
  absl::Time now = kNow;
  for (int i = 0; i < 10; ++i) {
    RecordSuccess(stats, now);
    now += absl::Seconds(60);  // one health-check tick
  }
  EXPECT_TRUE(IsHealthy(stats, now, options));
  // It stops answering: every tick is a failed ping.
  for (int i = 0; i < 60; ++i) {
    if (NeedsPing(stats, now, absl::Seconds(60))) RecordFailure(stats);
    now += absl::Seconds(60);
  }
  EXPECT_FALSE(IsHealthy(stats, now, options));
  EXPECT_TRUE(IsDead(stats, now, options));
}

}  // namespace
}  // namespace datamgmt::kademlia
