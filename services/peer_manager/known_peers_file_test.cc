#include "services/peer_manager/known_peers_file.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "gtest/gtest.h"
#include "services/peer_manager/known_peers_test_fixture.h"

namespace datamgmt::peer_manager {
namespace {

namespace fs = std::filesystem;

using KnownPeersFileTest = KnownPeersDirTest;

TEST_F(KnownPeersFileTest, SeedSampleRoundTripsExactly) {
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers(kSeedSample, "sample");
  ASSERT_TRUE(peers.ok()) << peers.status();
  ASSERT_EQ(peers->size(), 1u);
  const KnownPeerEntry& e = peers->at("192.168.1.10:8000");
  EXPECT_EQ(e.host, "192.168.1.10");
  EXPECT_EQ(e.port, 8000);
  EXPECT_EQ(e.last_seen, 1705312200.5);
  EXPECT_EQ(e.success_count, 100);
  EXPECT_EQ(e.failure_count, 5);
  EXPECT_EQ(e.node_id, "");
  EXPECT_TRUE(e.extra_fields.empty());

  ASSERT_TRUE(SaveKnownPeersFile(path_, *peers).ok());
  absl::StatusOr<std::string> text = io::ReadFile(path_);
  ASSERT_TRUE(text.ok());
  // Same structure, key order and number formatting: last_seen stays a
  // number with its fraction, port and counts stay integers.
  EXPECT_EQ(*text, kSeedSample);
  absl::StatusOr<KnownPeers> again = LoadKnownPeersFile(path_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *peers);
}

TEST_F(KnownPeersFileTest, NumberFormatting) {
  KnownPeers peers;
  peers["a:1"] = {.host = "a",
                  .port = 1,
                  .last_seen = 1705312200.0,
                  .success_count = 0,
                  .failure_count = 0,
                  .node_id = "",
                  .extra_fields = {}};
  peers["b:2"] = {.host = "b",
                  .port = 2,
                  .last_seen = 1705312200.123456,
                  .success_count = 9'000'000'000,
                  .failure_count = 1,
                  .node_id = "",
                  .extra_fields = {}};
  const std::string text = SerializeKnownPeers(peers);
  EXPECT_NE(text.find("\"last_seen\": 1705312200.0,"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\"last_seen\": 1705312200.123456,"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\"success_count\": 9000000000,"), std::string::npos);
  absl::StatusOr<KnownPeers> back = ParseKnownPeers(text, "x");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, peers);
}

TEST_F(KnownPeersFileTest, IntegerLastSeenIsAccepted) {
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers(
      R"({"a:1": {"host": "a", "port": 1, "last_seen": 1705312200,
                  "success_count": 0, "failure_count": 0}})",
      "x");
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_EQ(peers->at("a:1").last_seen, 1705312200.0);
}

TEST_F(KnownPeersFileTest, NodeIdAndExtraFieldsArePreserved) {
  const std::string id(64, 'A');
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers(
      absl::StrCat(R"({"node1:8000": {"version": "1.2", "host": "node1",
        "port": 8000, "last_seen": 1.5, "success_count": 1,
        "failure_count": 0, "node_id": ")",
                   id, R"(", "tags": {"zone": "eu", "n": [1, 2.5]}}})"),
      "x");
  ASSERT_TRUE(peers.ok()) << peers.status();
  const KnownPeerEntry& e = peers->at("node1:8000");
  EXPECT_EQ(e.node_id, std::string(64, 'a'));  // stored lowercase
  EXPECT_EQ(e.extra_fields.size(), 2u);
  EXPECT_EQ(e.extra_fields.at("version"), "\"1.2\"");
  EXPECT_EQ(e.extra_fields.at("tags"), R"({"zone":"eu","n":[1,2.5]})");
  const std::string text = SerializeKnownPeers(*peers);
  EXPECT_EQ(text, absl::StrCat(R"({
  "node1:8000": {
    "host": "node1",
    "port": 8000,
    "last_seen": 1.5,
    "success_count": 1,
    "failure_count": 0,
    "node_id": ")",
                               std::string(64, 'a'), R"(",
    "tags": {
      "zone": "eu",
      "n": [
        1,
        2.5
      ]
    },
    "version": "1.2"
  }
}
)"));
  EXPECT_EQ(*ParseKnownPeers(text, "x"), *peers);
}

TEST_F(KnownPeersFileTest, NullNodeIdMeansUnknown) {
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers(
      R"({"a:1": {"host": "a", "port": 1, "last_seen": 1, "success_count": 0,
                  "failure_count": 0, "node_id": null}})",
      "x");
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_EQ(peers->at("a:1").node_id, "");
  EXPECT_TRUE(peers->at("a:1").extra_fields.empty());
}

TEST_F(KnownPeersFileTest, Ipv6Keys) {
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers(
      R"({"[::1]:8000": {"host": "::1", "port": 8000, "last_seen": 2.25,
                         "success_count": 3, "failure_count": 4},
          "[2001:DB8:0::7]:9": {"host": "2001:db8::7", "port": 9,
                         "last_seen": 0, "success_count": 0,
                         "failure_count": 0}})",
      "x");
  ASSERT_TRUE(peers.ok()) << peers.status();
  ASSERT_EQ(peers->size(), 2u);
  EXPECT_EQ(peers->at("[::1]:8000").host, "::1");
  EXPECT_EQ(peers->at("[2001:db8::7]:9").host, "2001:db8::7");  // canonical
  ASSERT_TRUE(SaveKnownPeersFile(path_, *peers).ok());
  const std::string text = *io::ReadFile(path_);
  EXPECT_NE(text.find("\"[::1]:8000\": {\n    \"host\": \"::1\","),
            std::string::npos)
      << text;
  EXPECT_EQ(*LoadKnownPeersFile(path_), *peers);
}

TEST_F(KnownPeersFileTest, EmptyObjectIsAnEmptySet) {
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers("{}\n", "x");
  ASSERT_TRUE(peers.ok());
  EXPECT_TRUE(peers->empty());
  EXPECT_EQ(SerializeKnownPeers({}), "{}\n");
}

TEST_F(KnownPeersFileTest, MissingFileIsAnEmptySet) {
  absl::StatusOr<KnownPeers> peers = LoadKnownPeersFile(path_);
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_TRUE(peers->empty());
  EXPECT_TRUE(Files().empty());  // loading creates nothing
}

TEST_F(KnownPeersFileTest, UnreadableFileIsNotCorruption) {
  fs::create_directory(path_);  // a directory where the file should be
  absl::StatusOr<KnownPeers> peers = LoadKnownPeersFile(path_);
  EXPECT_FALSE(peers.ok());
  EXPECT_FALSE(IsCorruptKnownPeersFile(peers.status())) << peers.status();
}

}  // namespace
}  // namespace datamgmt::peer_manager
