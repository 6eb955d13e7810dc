#include "common/time/clock.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace datamgmt {
namespace {

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Seconds(60));
  EXPECT_EQ(clock.Now(), start + absl::Seconds(60));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(ClockTest, RealClockIsTheSystemClock) {
  const absl::Time before = absl::Now();
  const absl::Time t = RealClock().Now();
  EXPECT_LE(before, t);
  EXPECT_LE(t, absl::Now());
}

}  // namespace
}  // namespace datamgmt
