#include "services/dht/peer_address.h"

#include "gtest/gtest.h"

namespace datamgmt::dht {
namespace {

TEST(PeerAddressTest, AcceptsNamesAndLiterals) {
  for (const char* ok :
       {"10.0.0.7:8000", "127.0.0.1:1", "node-3.example.org:65535",
        "localhost:8000", "dht_node_1:8000", "[2001:db8::7]:8000",
        "[::1]:9000"}) {
    EXPECT_TRUE(ValidatePeerAddress(ok).ok()) << ok;
  }
}

TEST(PeerAddressTest, RejectsMalformedAddresses) {
  for (const char* bad :
       {"", "10.0.0.7", "10.0.0.7:", "10.0.0.7:0", "10.0.0.7:65536",
        "10.0.0.7:+80", "10.0.0.7:80x", ":8000", "0.0.0.0:8000", "[::]:8000",
        "2001:db8::7:8000", "[2001:db8::7:8000", "[nonsense]:1", "300.1.1.1:80",
        "-bad.example:80", "a..b:80", "sp ace:80"}) {
    absl::Status s = ValidatePeerAddress(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ValidatePeerAddress(std::string(254, 'a') + ":80").ok());
}

TEST(PeerAddressTest, ParsesHostAndPort) {
  absl::StatusOr<HostPort> v6 = ParsePeerAddress("[2001:db8::7]:8000");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "2001:db8::7");
  EXPECT_EQ(v6->port, 8000);
  EXPECT_EQ(JoinHostPort(v6->host, v6->port), "[2001:db8::7]:8000");
  EXPECT_EQ(JoinHostPort("10.0.0.7", 8000), "10.0.0.7:8000");
}

}  // namespace
}  // namespace datamgmt::dht
