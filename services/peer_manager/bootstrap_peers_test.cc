#include "services/peer_manager/bootstrap_peers.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace datamgmt::peer_manager {
namespace {

std::vector<std::string> Strings(const std::vector<net::PeerAddress>& peers) {
  std::vector<std::string> out;
  for (const net::PeerAddress& p : peers) out.push_back(p.ToString());
  return out;
}

TEST(BootstrapPeersTest, ParsesTheTable) {
  struct Case {
    std::string list;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"", {}},
      {"  ", {}},
      {",, ,", {}},
      {"node1:8000", {"node1:8000"}},
      {"node1:8000,node2:8001", {"node1:8000", "node2:8001"}},
      {" node1:8000 ,\tnode2:8001\n", {"node1:8000", "node2:8001"}},
      {"node1:8000,,node2:8001,", {"node1:8000", "node2:8001"}},
      {"bootstrap.example.com:8000,10.0.0.7:8000,[::1]:8000",
       {"bootstrap.example.com:8000", "10.0.0.7:8000", "[::1]:8000"}},
      {"[2001:DB8::7]:8000", {"[2001:db8::7]:8000"}},
      {"Node1:8000,node1:8000,node2:1,NODE1:8000", {"node1:8000", "node2:1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.list);
    absl::StatusOr<std::vector<net::PeerAddress>> peers =
        ParseBootstrapPeers(c.list);
    ASSERT_TRUE(peers.ok()) << peers.status();
    EXPECT_EQ(Strings(*peers), c.want);
  }
}

TEST(BootstrapPeersTest, BadEntryIsNamed) {
  struct Case {
    std::string list;
    std::string entry;   // quoted in the message
    std::string reason;  // also in the message
  };
  const Case cases[] = {
      {"node1", "entry 1 \"node1\"", "missing \":port\""},
      {"node1:8000, node2", "entry 2 \"node2\"", "missing \":port\""},
      {"node1:0", "entry 1 \"node1:0\"", "1..65535"},
      {"node1:65536", "entry 1 \"node1:65536\"", "1..65535"},
      {"ok:1,:8000", "entry 2 \":8000\"", "host is empty"},
      {"ok:1,,garbage!!", "entry 3 \"garbage!!\"", "missing"},
      {"ok:1, $$$:80", "entry 2 \"$$$:80\"", "not a valid DNS name"},
      {"::1:8000", "entry 1 \"::1:8000\"", "brackets"},
      {"node1:8000;node2:8000", "entry 1 \"node1:8000;node2:8000\"", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.list);
    absl::StatusOr<std::vector<net::PeerAddress>> peers =
        ParseBootstrapPeers(c.list);
    ASSERT_FALSE(peers.ok());
    EXPECT_EQ(peers.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(peers.status().message());
    EXPECT_NE(message.find("INITIAL_PEERS"), std::string::npos) << message;
    EXPECT_NE(message.find(c.entry), std::string::npos) << message;
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
  }
}

TEST(BootstrapPeersTest, SourceNamesTheSetting) {
  absl::StatusOr<std::vector<net::PeerAddress>> peers =
      ParseBootstrapPeers("x", "--initial_peers");
  ASSERT_FALSE(peers.ok());
  EXPECT_NE(peers.status().message().find("--initial_peers entry 1"),
            std::string::npos);
}

}  // namespace
}  // namespace datamgmt::peer_manager
