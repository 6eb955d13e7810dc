#include "common/net/ip_address.h"

#include "gtest/gtest.h"

namespace datamgmt::net {
namespace {

TEST(IpAddressTest, ParsesIpv4AndIpv6Literals) {
  std::optional<IpAddress> v4 = ParseIpLiteral("203.0.113.7");
  ASSERT_TRUE(v4.has_value());
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->ToString(), "203.0.113.7");

  std::optional<IpAddress> v6 = ParseIpLiteral("2001:DB8:0:0::7");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->ToString(), "2001:db8::7");
  EXPECT_EQ(ParseIpLiteral("[2001:db8::7]"), v6);
}

TEST(IpAddressTest, RejectsNamesAndJunk) {
  EXPECT_FALSE(ParseIpLiteral("node1.example").has_value());
  EXPECT_FALSE(ParseIpLiteral("").has_value());
  EXPECT_FALSE(ParseIpLiteral("203.0.113.7:8000").has_value());
  EXPECT_FALSE(ParseIpLiteral("256.0.0.1").has_value());
  EXPECT_FALSE(ParseIpLiteral("[]").has_value());
}

TEST(IpAddressTest, Ipv4MappedIpv6IsTheIpv4Address) {
  std::optional<IpAddress> mapped = ParseIpLiteral("::ffff:203.0.113.7");
  ASSERT_TRUE(mapped.has_value());
  EXPECT_EQ(mapped, ParseIpLiteral("203.0.113.7"));
  EXPECT_EQ(mapped->PrefixKey(24, 64), "203.0.113.0/24");
}

TEST(IpAddressTest, PrefixKeysGroupANetwork) {
  EXPECT_EQ(ParseIpLiteral("203.0.113.7")->PrefixKey(24, 64),
            "203.0.113.0/24");
  EXPECT_EQ(ParseIpLiteral("203.0.113.200")->PrefixKey(24, 64),
            "203.0.113.0/24");
  EXPECT_NE(ParseIpLiteral("203.0.114.7")->PrefixKey(24, 64),
            "203.0.113.0/24");
  EXPECT_EQ(ParseIpLiteral("203.0.113.7")->PrefixKey(32, 64),
            "203.0.113.7/32");
  EXPECT_EQ(ParseIpLiteral("2001:db8:1:2:aaaa::7")->PrefixKey(24, 64),
            "2001:db8:1:2::/64");
  EXPECT_EQ(ParseIpLiteral("2001:db8:1:2:bbbb::9")->PrefixKey(24, 64),
            "2001:db8:1:2::/64");
  EXPECT_EQ(ParseIpLiteral("2001:db8:1:3::7")->PrefixKey(24, 64),
            "2001:db8:1:3::/64");
  // Out-of-range bit counts are clamped.
  EXPECT_EQ(ParseIpLiteral("203.0.113.7")->PrefixKey(99, 64),
            "203.0.113.7/32");
  EXPECT_EQ(ParseIpLiteral("203.0.113.7")->PrefixKey(-1, 64), "0.0.0.0/0");
}

TEST(IpAddressTest, Loopback) {
  EXPECT_TRUE(ParseIpLiteral("127.0.0.1")->IsLoopback());
  EXPECT_TRUE(ParseIpLiteral("127.8.9.10")->IsLoopback());
  EXPECT_TRUE(ParseIpLiteral("::1")->IsLoopback());
  EXPECT_TRUE(ParseIpLiteral("::ffff:127.0.0.1")->IsLoopback());
  EXPECT_FALSE(ParseIpLiteral("10.0.0.1")->IsLoopback());
  EXPECT_FALSE(ParseIpLiteral("::2")->IsLoopback());
  EXPECT_FALSE(ParseIpLiteral("2001:db8::1")->IsLoopback());
}

}  // namespace
}  // namespace datamgmt::net
