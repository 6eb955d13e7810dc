#include "common/grpc/channel_cache.h"

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

}  // namespace
}  // namespace datamgmt
