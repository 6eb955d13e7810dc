#include "common/kademlia/address_prefix.h"

#include "gtest/gtest.h"

namespace datamgmt::kademlia {
namespace {

TEST(AddressPrefixTest, Ipv4LiteralsGroupBySlash24) {
  EXPECT_EQ(AddressPrefix("203.0.113.7:8000"), "203.0.113.0/24");
  EXPECT_EQ(AddressPrefix("203.0.113.250:9"), "203.0.113.0/24");
  EXPECT_EQ(AddressPrefix("203.0.114.7:8000"), "203.0.114.0/24");
}

TEST(AddressPrefixTest, Ipv6LiteralsGroupBySlash64) {
  EXPECT_EQ(AddressPrefix("[2001:db8:1:2::7]:8000"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressPrefix("[2001:db8:1:2:ffff::1]:8000"), "2001:db8:1:2::/64");
  EXPECT_EQ(AddressPrefix("[2001:db8:1:3::7]:8000"), "2001:db8:1:3::/64");
  EXPECT_EQ(AddressPrefix("[::ffff:203.0.113.7]:8000"), "203.0.113.0/24");
}

TEST(AddressPrefixTest, LoopbackNamesAndJunkAreNotLimited) {
  EXPECT_EQ(AddressPrefix("127.0.0.1:8000"), std::nullopt);
  EXPECT_EQ(AddressPrefix("127.1.2.3:8000"), std::nullopt);
  EXPECT_EQ(AddressPrefix("[::1]:8000"), std::nullopt);
  EXPECT_EQ(AddressPrefix("node1.example:8000"), std::nullopt);
  EXPECT_EQ(AddressPrefix("203.0.113.7"), std::nullopt);  // no port
  EXPECT_EQ(AddressPrefix(""), std::nullopt);
}

}  // namespace
}  // namespace datamgmt::kademlia
