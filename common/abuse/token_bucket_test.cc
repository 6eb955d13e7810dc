#include "common/abuse/token_bucket.h"

#include "gtest/gtest.h"

namespace datamgmt::abuse {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(TokenBucketTest, StartsFullAndAllowsABurst) {
  TokenBucket bucket({.rate_per_second = 10, .burst = 5}, kStart);
  EXPECT_TRUE(bucket.Full(kStart));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.TryTake(kStart)) << i;
  EXPECT_FALSE(bucket.TryTake(kStart));
  EXPECT_DOUBLE_EQ(bucket.Available(kStart), 0);
}

TEST(TokenBucketTest, RefillsAtTheRateUpToTheBurst) {
  TokenBucket bucket({.rate_per_second = 10, .burst = 5}, kStart);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(bucket.TryTake(kStart));
  // 10 per second: one token every 100 ms.
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(50)));
  EXPECT_TRUE(bucket.TryTake(kStart + absl::Milliseconds(100)));
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(150)));
  EXPECT_NEAR(bucket.Available(kStart + absl::Milliseconds(300)), 2, 1e-9);
  // Never more than the burst, however long it rests.
  EXPECT_DOUBLE_EQ(bucket.Available(kStart + absl::Hours(1)), 5);
  EXPECT_TRUE(bucket.Full(kStart + absl::Hours(1)));
}

TEST(TokenBucketTest, SustainedRateIsTheConfiguredRate) {
  TokenBucket bucket({.rate_per_second = 200, .burst = 400}, kStart);
  int allowed = 0;
  // 1,000 requests per second for 10 s, one every millisecond.
  for (int ms = 0; ms < 10'000; ++ms) {
    if (bucket.TryTake(kStart + absl::Milliseconds(ms))) ++allowed;
  }
  // The burst plus 200 per second.
  EXPECT_NEAR(allowed, 400 + 200 * 10, 2);
}

TEST(TokenBucketTest, AClockGoingBackwardsAddsNothing) {
  TokenBucket bucket({.rate_per_second = 1, .burst = 1}, kStart);
  ASSERT_TRUE(bucket.TryTake(kStart));
  EXPECT_FALSE(bucket.TryTake(kStart - absl::Hours(1)));
  EXPECT_FALSE(bucket.TryTake(kStart + absl::Milliseconds(500)));
  EXPECT_TRUE(bucket.TryTake(kStart + absl::Seconds(1)));
}

TEST(TokenBucketTest, TakesSeveralTokensOrNone) {
  TokenBucket bucket({.rate_per_second = 1, .burst = 3}, kStart);
  EXPECT_FALSE(bucket.TryTake(kStart, 4));
  EXPECT_DOUBLE_EQ(bucket.Available(kStart), 3);
  EXPECT_TRUE(bucket.TryTake(kStart, 3));
}

TEST(TokenBucketTest, OptionsValidate) {
  EXPECT_TRUE(TokenBucketOptions{}.Validate().ok());
  EXPECT_FALSE(TokenBucketOptions{.rate_per_second = 0}.Validate().ok());
  EXPECT_FALSE(TokenBucketOptions{.rate_per_second = -1}.Validate().ok());
  EXPECT_FALSE(TokenBucketOptions{.burst = 0.5}.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::abuse
