#include "common/net/peer_address.h"

#include <string>

#include "gtest/gtest.h"

namespace datamgmt::net {
namespace {

struct GoodCase {
  std::string text;
  std::string host;
  uint16_t port;
  std::string canonical;
};

TEST(PeerAddressTest, ParsesAndCanonicalises) {
  const GoodCase cases[] = {
      {"192.168.1.10:8000", "192.168.1.10", 8000, "192.168.1.10:8000"},
      {"node1:8000", "node1", 8000, "node1:8000"},
      {"Boot.Example.COM:1", "boot.example.com", 1, "boot.example.com:1"},
      {"dht_node-2.local:65535", "dht_node-2.local", 65535,
       "dht_node-2.local:65535"},
      {"[::1]:8000", "::1", 8000, "[::1]:8000"},
      {"[2001:DB8:0:0:0:0:0:7]:8000", "2001:db8::7", 8000,
       "[2001:db8::7]:8000"},
      {"[2001:db8:0:1:1:1:1:1]:80", "2001:db8:0:1:1:1:1:1", 80,
       "[2001:db8:0:1:1:1:1:1]:80"},  // one zero group is not compressed
      {"[::ffff:10.0.0.1]:8000", "::ffff:10.0.0.1", 8000,
       "[::ffff:10.0.0.1]:8000"},
      {"10.0.0.7:08000", "10.0.0.7", 8000, "10.0.0.7:8000"},
  };
  for (const GoodCase& c : cases) {
    SCOPED_TRACE(c.text);
    absl::StatusOr<PeerAddress> a = ParsePeerAddress(c.text);
    ASSERT_TRUE(a.ok()) << a.status();
    EXPECT_EQ(a->host, c.host);
    EXPECT_EQ(a->port, c.port);
    EXPECT_EQ(a->ToString(), c.canonical);
    EXPECT_EQ(*CanonicalPeerAddress(c.text), c.canonical);
  }
}

TEST(PeerAddressTest, RejectsMalformedWithAReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty"},
      {"node1", "missing \":port\""},
      {"node1:", "port is empty"},
      {"node1:0", "1..65535"},
      {"node1:65536", "1..65535"},
      {"node1:123456", "out of range"},
      {"node1:80a", "not a number"},
      {"node1:-1", "not a number"},
      {"10.0.0.7:+80", "not a number"},
      {":8000", "host is empty"},
      {"[]:8000", "host is empty"},
      {"::1:8000", "must be in brackets"},
      {"[::1]8000", "expected ':'"},
      {"[::1]", "missing \":port\""},
      {"[::1:8000", "missing ']'"},
      {"[node1]:8000", "not a valid IPv6"},
      {"[fe80::1%eth0]:8000", "not a valid IPv6"},
      {"999.1.1.1:8000", "not a valid IPv4"},
      {"1.2.3:8000", "not a valid IPv4"},
      {"0.0.0.0:8000", "unspecified"},
      {"[::]:8000", "unspecified"},
      {"[0:0::0]:8000", "unspecified"},
      {"bad host:8000", "not a valid DNS name"},
      {"-node:8000", "not a valid DNS name"},
      {"node..x:8000", "not a valid DNS name"},
      {"node.:8000", "not a valid DNS name"},
      {"http://node1:8000", "contains ':'"},
      {"node1:8000/x", "not a number"},
      {" node1:8000", "not a valid DNS name"},
      {std::string(254, 'a') + ":1", "longer than 253"},
      {std::string(64, 'a') + ".com:1", "not a valid DNS name"},
  };
  for (const auto& [text, reason] : cases) {
    SCOPED_TRACE(text);
    absl::StatusOr<PeerAddress> a = ParsePeerAddress(text);
    ASSERT_FALSE(a.ok()) << a->ToString();
    EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(a.status().message().find(reason), std::string::npos)
        << a.status();
  }
}

TEST(PeerAddressTest, LongestValidHostname) {
  // 4 labels of 63 characters and dots: 255 characters is too long; cut to
  // 253.
  std::string host = std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                     std::string(63, 'c') + "." + std::string(61, 'd');
  ASSERT_EQ(host.size(), 253u);
  EXPECT_TRUE(ParsePeerAddress(host + ":1").ok());
}

TEST(PeerAddressTest, MakeFromHostAndPort) {
  EXPECT_EQ(MakePeerAddress("::1", 8000)->ToString(), "[::1]:8000");
  EXPECT_EQ(MakePeerAddress("NODE1", 8000)->ToString(), "node1:8000");
  EXPECT_FALSE(MakePeerAddress("[::1]", 8000).ok());
  EXPECT_FALSE(MakePeerAddress("node1", 0).ok());
  EXPECT_FALSE(MakePeerAddress("node1", 65536).ok());
  EXPECT_FALSE(MakePeerAddress("node1", -5).ok());
  EXPECT_FALSE(MakePeerAddress("", 80).ok());
}

TEST(PeerAddressTest, EqualityIsOnTheCanonicalForm) {
  EXPECT_EQ(*ParsePeerAddress("[2001:db8::7]:1"),
            *ParsePeerAddress("[2001:0DB8:0::7]:1"));
  EXPECT_EQ(*ParsePeerAddress("Node1:1"), *ParsePeerAddress("node1:1"));
  EXPECT_NE(*ParsePeerAddress("node1:1"), *ParsePeerAddress("node1:2"));
}

TEST(PeerAddressTest, ValidateAcceptsWhatParseAccepts) {
  for (const char* ok :
       {"10.0.0.7:8000", "127.0.0.1:1", "node-3.example.org:65535",
        "localhost:8000", "dht_node_1:8000", "[2001:db8::7]:8000",
        "[::1]:9000"}) {
    EXPECT_TRUE(ValidatePeerAddress(ok).ok()) << ok;
  }
  for (const char* bad :
       {"", "10.0.0.7", "10.0.0.7:0", "0.0.0.0:8000", "[::]:8000",
        "2001:db8::7:8000", "[2001:db8::7:8000", "300.1.1.1:80"}) {
    absl::Status s = ValidatePeerAddress(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(s, ParsePeerAddress(bad).status()) << bad;
  }
}

TEST(PeerAddressTest, JoinHostPortOnlyFormats) {
  EXPECT_EQ(JoinHostPort("10.0.0.7", 8000), "10.0.0.7:8000");
  EXPECT_EQ(JoinHostPort("2001:db8::7", 8000), "[2001:db8::7]:8000");
  // Listen addresses: neither validated nor canonicalised.
  EXPECT_EQ(JoinHostPort("0.0.0.0", 0), "0.0.0.0:0");
  EXPECT_EQ(JoinHostPort("::", 8000), "[::]:8000");
  EXPECT_EQ(JoinHostPort("Node1", 8000), "Node1:8000");
}

}  // namespace
}  // namespace datamgmt::net
