#include "services/peer_manager/discovery_schedule.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace datamgmt::peer_manager {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'705'312'200);
constexpr absl::Duration kEps = absl::Nanoseconds(1);

DiscoveryOptions NoJitter() {
  DiscoveryOptions options;
  options.backoff_jitter = 0;
  return options;
}

DiscoverySchedule Make(bool has_bootstrap_peers, size_t peers,
                       DiscoveryOptions options = NoJitter()) {
  absl::StatusOr<DiscoverySchedule> s =
      DiscoverySchedule::Create(options, has_bootstrap_peers, peers, kT0);
  EXPECT_TRUE(s.ok()) << s.status();
  return *s;
}

class DiscoveryScheduleTest : public ::testing::Test {
 protected:
  // Runs a bootstrap at `now` that ends at `now` with `answered`.
  void Bootstrap(DiscoverySchedule& s, absl::Time now, bool answered) {
    ASSERT_TRUE(s.Due(now).bootstrap);
    s.OnBootstrapStarted(now);
    s.OnBootstrapFinished(answered, now, gen_);
  }
  std::mt19937_64 gen_{42};
};

TEST(DiscoveryOptionsTest, DefaultsAreTheSeeds) {
  DiscoveryOptions options;
  EXPECT_TRUE(options.Validate().ok());
  EXPECT_EQ(options.exchange_interval, absl::Minutes(5));
  EXPECT_EQ(options.rebootstrap_delay, absl::Seconds(30));
  EXPECT_EQ(options.max_rebootstrap_backoff, absl::Minutes(5));
  EXPECT_EQ(options.backoff_multiplier, 2.0);
}

TEST(DiscoveryOptionsTest, RejectsBadFields) {
  auto bad = [](auto mutate) {
    DiscoveryOptions options;
    mutate(options);
    absl::Status s = options.Validate();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    return std::string(s.message());
  };
  EXPECT_NE(bad([](auto& o) {
              o.exchange_interval = absl::ZeroDuration();
            }).find("exchange_interval"),
            std::string::npos);
  EXPECT_NE(bad([](auto& o) {
              o.rebootstrap_delay = -absl::Seconds(1);
            }).find("rebootstrap_delay"),
            std::string::npos);
  EXPECT_NE(bad([](auto& o) {
              o.backoff_multiplier = 0.5;
            }).find("backoff_multiplier"),
            std::string::npos);
  EXPECT_NE(bad([](auto& o) {
              o.max_rebootstrap_backoff = absl::Seconds(10);
            }).find("max_rebootstrap_backoff"),
            std::string::npos);
  EXPECT_NE(bad([](auto& o) { o.backoff_jitter = 1.0; }).find("backoff_jitter"),
            std::string::npos);
  DiscoveryOptions options;
  options.exchange_interval = absl::ZeroDuration();
  EXPECT_FALSE(DiscoverySchedule::Create(options, true, 0, kT0).ok());
}

TEST_F(DiscoveryScheduleTest, ExchangeAtStartThenEveryFiveMinutesExactly) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/false, 3);
  EXPECT_EQ(s.Due(kT0),
            (DiscoveryDecision{.bootstrap = false, .exchange = true}));
  s.OnExchangeStarted(kT0);
  EXPECT_FALSE(s.Due(kT0).exchange);
  EXPECT_EQ(s.NextWakeup(kT0), kT0 + absl::Minutes(5));
  EXPECT_FALSE(s.Due(kT0 + absl::Minutes(5) - kEps).exchange);
  EXPECT_TRUE(s.Due(kT0 + absl::Minutes(5)).exchange);
  // Late by 7 s: the next round is 5 minutes after this one started.
  const absl::Time t1 = kT0 + absl::Minutes(5) + absl::Seconds(7);
  s.OnExchangeStarted(t1);
  EXPECT_FALSE(s.Due(t1 + absl::Minutes(5) - kEps).exchange);
  EXPECT_TRUE(s.Due(t1 + absl::Minutes(5)).exchange);
  EXPECT_EQ(s.NextWakeup(t1 + absl::Minutes(9)), t1 + absl::Minutes(9));
}

TEST_F(DiscoveryScheduleTest, WithoutBootstrapPeersThereIsNothingToRetry) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/false, 1);
  s.OnExchangeStarted(kT0);
  s.ObservePeerCount(0, kT0 + absl::Minutes(1));
  EXPECT_FALSE(s.Due(kT0 + absl::Hours(10)).bootstrap);
  EXPECT_EQ(s.next_bootstrap(), absl::InfiniteFuture());
  EXPECT_EQ(s.peers_lost_at(), kT0 + absl::Minutes(1));
}

TEST_F(DiscoveryScheduleTest, StartupBootstrapThenExchangeRightAfter) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/true, 0);
  EXPECT_EQ(s.Due(kT0),
            (DiscoveryDecision{.bootstrap = true, .exchange = true}));
  EXPECT_EQ(s.NextWakeup(kT0), kT0);
  s.OnBootstrapStarted(kT0);
  EXPECT_FALSE(s.Due(kT0).bootstrap);  // never twice at once
  EXPECT_TRUE(s.bootstrap_in_progress());
  s.OnExchangeStarted(kT0);
  // The bootstrap took 2 s and reached a peer: begin discovery now.
  const absl::Time done = kT0 + absl::Seconds(2);
  s.ObservePeerCount(1, done);
  s.OnBootstrapFinished(true, done, gen_);
  EXPECT_EQ(s.Due(done),
            (DiscoveryDecision{.bootstrap = false, .exchange = true}));
  s.OnExchangeStarted(done);
  EXPECT_EQ(s.NextWakeup(done), done + absl::Minutes(5));
}

TEST_F(DiscoveryScheduleTest, LoadedPeersDoNotCancelTheStartupBootstrap) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/true, 5);
  s.ObservePeerCount(5, kT0);
  EXPECT_TRUE(s.Due(kT0).bootstrap);
  // It fails, but peers are known: no retry.
  Bootstrap(s, kT0, /*answered=*/false);
  EXPECT_EQ(s.next_bootstrap(), absl::InfiniteFuture());
  EXPECT_EQ(s.consecutive_bootstrap_failures(), 0);
}

TEST_F(DiscoveryScheduleTest,
       RebootstrapExactly30SecondsAfterTheLastPeerIsLost) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/true, 2);
  Bootstrap(s, kT0, /*answered=*/true);
  s.OnExchangeStarted(kT0);
  const absl::Time lost = kT0 + absl::Minutes(2);
  s.ObservePeerCount(1, lost - absl::Seconds(1));
  EXPECT_EQ(s.next_bootstrap(), absl::InfiniteFuture());
  s.ObservePeerCount(0, lost);
  EXPECT_EQ(s.peers_lost_at(), lost);
  s.ObservePeerCount(0, lost + absl::Seconds(20));  // still empty: no reset
  EXPECT_EQ(s.NextWakeup(lost), lost + absl::Seconds(30));
  EXPECT_FALSE(s.Due(lost + absl::Seconds(30) - kEps).bootstrap);
  EXPECT_TRUE(s.Due(lost + absl::Seconds(30)).bootstrap);
}

TEST_F(DiscoveryScheduleTest, APeerBackWithinTheWaitCancelsTheRebootstrap) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/true, 1);
  Bootstrap(s, kT0, /*answered=*/true);
  s.ObservePeerCount(0, kT0 + absl::Seconds(1));
  s.ObservePeerCount(1, kT0 + absl::Seconds(10));  // an inbound peer
  EXPECT_FALSE(s.Due(kT0 + absl::Minutes(1)).bootstrap);
  EXPECT_EQ(s.next_bootstrap(), absl::InfiniteFuture());
}

TEST_F(DiscoveryScheduleTest, BackoffWhileBootstrapKeepsFailingThenReset) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/true, 1);
  Bootstrap(s, kT0, /*answered=*/true);
  absl::Time now = kT0 + absl::Minutes(1);
  s.ObservePeerCount(0, now);
  now += absl::Seconds(30);
  // Each attempt takes 3 s; the next is due `delay` after it ends.
  const std::vector<absl::Duration> delays = {
      absl::Seconds(60), absl::Seconds(120), absl::Seconds(240),
      absl::Minutes(5),  absl::Minutes(5),   absl::Minutes(5)};
  for (size_t i = 0; i < delays.size(); ++i) {
    SCOPED_TRACE(i);
    ASSERT_TRUE(s.Due(now).bootstrap);
    s.OnBootstrapStarted(now);
    now += absl::Seconds(3);
    s.ObservePeerCount(0, now);
    s.OnBootstrapFinished(false, now, gen_);
    EXPECT_EQ(s.consecutive_bootstrap_failures(), static_cast<int>(i + 1));
    EXPECT_EQ(s.next_bootstrap(), now + delays[i]);
    EXPECT_FALSE(s.Due(now + delays[i] - kEps).bootstrap);
    now += delays[i];
  }
  // Success: the backoff resets and discovery starts at once.
  ASSERT_TRUE(s.Due(now).bootstrap);
  s.OnBootstrapStarted(now);
  s.ObservePeerCount(1, now);
  s.OnBootstrapFinished(true, now, gen_);
  EXPECT_EQ(s.consecutive_bootstrap_failures(), 0);
  EXPECT_TRUE(s.Due(now).exchange);
  // Losing everything again waits the seed's 30 s, not the last backoff.
  s.ObservePeerCount(0, now + absl::Minutes(1));
  EXPECT_EQ(s.next_bootstrap(), now + absl::Minutes(1) + absl::Seconds(30));
}

TEST_F(DiscoveryScheduleTest, FailedStartupBootstrapWithNoPeersRetries) {
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/true, 0);
  Bootstrap(s, kT0, /*answered=*/false);
  EXPECT_EQ(s.next_bootstrap(), kT0 + absl::Seconds(60));
  // A peer learned otherwise (an inbound hint) resets and cancels.
  s.ObservePeerCount(1, kT0 + absl::Seconds(5));
  EXPECT_EQ(s.consecutive_bootstrap_failures(), 0);
  EXPECT_EQ(s.next_bootstrap(), absl::InfiniteFuture());
}

TEST_F(DiscoveryScheduleTest, JitteredBackoffStaysInBoundsAndVaries) {
  DiscoveryOptions options;  // jitter 0.1
  EXPECT_EQ(RebootstrapBackoff(0, options, gen_), absl::Seconds(30));
  std::set<absl::Duration> seen;
  for (int i = 0; i < 200; ++i) {
    absl::Duration d = RebootstrapBackoff(1, options, gen_);
    EXPECT_GE(d, absl::Seconds(54));
    EXPECT_LE(d, absl::Seconds(66));
    seen.insert(d);
    absl::Duration capped = RebootstrapBackoff(10, options, gen_);
    EXPECT_GE(capped, absl::Seconds(270));
    EXPECT_LE(capped, absl::Minutes(5));
  }
  EXPECT_GT(seen.size(), 100u);
  EXPECT_EQ(RebootstrapBackoff(100000, NoJitter(), gen_), absl::Minutes(5));
}

TEST_F(DiscoveryScheduleTest, ShortenedIntervalsForTests) {
  DiscoveryOptions options = NoJitter();
  options.exchange_interval = absl::Seconds(2);
  options.rebootstrap_delay = absl::Seconds(1);
  options.max_rebootstrap_backoff = absl::Seconds(3);
  DiscoverySchedule s = Make(/*has_bootstrap_peers=*/true, 0, options);
  Bootstrap(s, kT0, /*answered=*/false);
  EXPECT_EQ(s.next_bootstrap(), kT0 + absl::Seconds(2));
  s.OnExchangeStarted(kT0);
  EXPECT_EQ(s.NextWakeup(kT0), kT0 + absl::Seconds(2));
  Bootstrap(s, kT0 + absl::Seconds(2), /*answered=*/false);
  EXPECT_EQ(s.next_bootstrap(), kT0 + absl::Seconds(5));  // capped at 3 s
}

}  // namespace
}  // namespace datamgmt::peer_manager
