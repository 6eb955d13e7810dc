#include "common/abuse/rate_limiter.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace datamgmt::abuse {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);

TEST(RateLimiterTest, EachKeyHasItsOwnBucket) {
  RateLimiter limiter({.bucket = {.rate_per_second = 1, .burst = 2}});
  EXPECT_TRUE(limiter.Allow("a", kStart));
  EXPECT_TRUE(limiter.Allow("a", kStart));
  EXPECT_FALSE(limiter.Allow("a", kStart));
  // Another key is not affected by a's flood.
  EXPECT_TRUE(limiter.Allow("b", kStart));
  EXPECT_DOUBLE_EQ(limiter.Available("b", kStart), 1);
  EXPECT_DOUBLE_EQ(limiter.Available("unknown", kStart), 2);
  // a refills at its rate.
  EXPECT_TRUE(limiter.Allow("a", kStart + absl::Seconds(1)));
  EXPECT_FALSE(limiter.Allow("a", kStart + absl::Seconds(1)));
}

TEST(RateLimiterTest, MemoryIsBoundedByForgettingTheLeastRecentlyUsed) {
  RateLimiter limiter(
      {.bucket = {.rate_per_second = 1, .burst = 1}, .max_keys = 3});
  ASSERT_TRUE(limiter.Allow("old", kStart));
  ASSERT_FALSE(limiter.Allow("old", kStart));
  ASSERT_TRUE(limiter.Allow("b", kStart));
  ASSERT_TRUE(limiter.Allow("c", kStart));
  ASSERT_FALSE(limiter.Allow("old", kStart));  // "old" is now most recent
  // A flood of new keys never grows the limiter beyond max_keys.
  for (int i = 0; i < 1000; ++i) {
    limiter.Allow(absl::StrCat("new", i), kStart);
    ASSERT_LE(limiter.size(), 3u);
  }
  // Forgotten keys start afresh (full), which is all forgetting costs.
  EXPECT_TRUE(limiter.Allow("old", kStart));
}

TEST(RateLimiterTest, UsedKeysSurviveAFloodOfOthersUpToCapacity) {
  RateLimiter limiter(
      {.bucket = {.rate_per_second = 1, .burst = 1}, .max_keys = 2});
  ASSERT_TRUE(limiter.Allow("flooder", kStart));
  for (int i = 0; i < 10; ++i) {
    // The flooder keeps using its key, so a single new key cannot push it
    // out: it stays throttled.
    EXPECT_FALSE(limiter.Allow("flooder", kStart)) << i;
    limiter.Allow(absl::StrCat("other", i), kStart);
  }
}

TEST(RateLimiterTest, OptionsValidate) {
  EXPECT_TRUE(RateLimiterOptions{}.Validate().ok());
  EXPECT_FALSE(RateLimiterOptions{.max_keys = 0}.Validate().ok());
  EXPECT_FALSE(RateLimiterOptions{.bucket = {.burst = 0}}.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::abuse
