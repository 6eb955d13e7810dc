#include "common/grpc/channel_cache.h"

#include "common/time/clock.h"
#include "gtest/gtest.h"

namespace datamgmt {
namespace {

TEST(ChannelCacheTest, ReusesChannelPerAddress) {
  ChannelCache cache({.max_channels = 4});
  auto a1 = cache.Get("127.0.0.1:1");
  auto a2 = cache.Get("127.0.0.1:1");
  auto b = cache.Get("127.0.0.1:2");
  EXPECT_EQ(a1, a2);
  EXPECT_NE(a1, b);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ChannelCacheTest, EvictsLeastRecentlyUsedPastTheBound) {
  ChannelCache cache({.max_channels = 2});
  auto a = cache.Get("127.0.0.1:1");
  auto b = cache.Get("127.0.0.1:2");
  cache.Get("127.0.0.1:1");  // a is now most recently used
  cache.Get("127.0.0.1:3");  // evicts b
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Get("127.0.0.1:1"), a) << "recently used entry was dropped";
  EXPECT_NE(cache.Get("127.0.0.1:2"), b) << "LRU entry was kept";
}

TEST(ChannelCacheTest, ExplicitEvictCreatesAFreshChannelNextTime) {
  ChannelCache cache({});
  auto a = cache.Get("127.0.0.1:1");
  cache.Evict("127.0.0.1:1");
  cache.Evict("127.0.0.1:9");  // unknown: no effect
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_NE(cache.Get("127.0.0.1:1"), a);
}

TEST(ChannelCacheTest, DroppedChannelsAreReleasedOnlyAfterTheGraceAndTheLastUser) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  ChannelCache cache({.max_channels = 1,
                      .retire_grace = absl::Seconds(10),
                      .clock = &clock});
  std::shared_ptr<grpc::Channel> held = cache.Get("127.0.0.1:1");
  std::weak_ptr<grpc::Channel> evicted = held;
  std::weak_ptr<grpc::Channel> lru_dropped = cache.Get("127.0.0.1:2");
  cache.Evict("127.0.0.1:1");  // not cached: no effect
  cache.Get("127.0.0.1:3");    // drops :2 past the bound
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.retired(), 2u);
  EXPECT_FALSE(lru_dropped.expired()) << "released before the grace";

  clock.Advance(absl::Seconds(11));
  cache.Get("127.0.0.1:3");  // sweeps
  EXPECT_TRUE(lru_dropped.expired()) << "unused channel kept past the grace";
  EXPECT_FALSE(evicted.expired());
  EXPECT_EQ(cache.retired(), 1u) << "a channel still in use was released";

  held.reset();  // the last user lets go: the cache releases it next time
  EXPECT_FALSE(evicted.expired());
  cache.Evict("127.0.0.1:3");
  EXPECT_TRUE(evicted.expired());
  EXPECT_EQ(cache.retired(), 1u) << ":3 waits out its own grace";
}

TEST(ChannelCacheTest, NewCredentialsDropEveryCachedChannel) {
  ChannelCache cache({});
  auto a = cache.Get("127.0.0.1:1");
  auto b = cache.Get("127.0.0.1:2");
  cache.SetCredentials(grpc::InsecureChannelCredentials());
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.retired(), 2u);
  EXPECT_NE(cache.Get("127.0.0.1:1"), a);
  EXPECT_NE(cache.Get("127.0.0.1:2"), b);
  EXPECT_EQ(cache.size(), 2u);
}

}  // namespace
}  // namespace datamgmt
