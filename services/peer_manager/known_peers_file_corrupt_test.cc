// known_peers.json: corrupt files, moving them aside, and crash safety.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "gtest/gtest.h"
#include "services/peer_manager/known_peers_file.h"
#include "services/peer_manager/known_peers_test_fixture.h"

namespace datamgmt::peer_manager {
namespace {

namespace fs = std::filesystem;

// An entry with one field's JSON text replaced (or, with `value` empty,
// removed).
std::string Entry(const std::string& field, const std::string& value,
                  const std::string& key = "node1:8000") {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"host", "\"node1\""},
      {"port", "8000"},
      {"last_seen", "1705312200.5"},
      {"success_count", "1"},
      {"failure_count", "2"}};
  std::string body;
  for (auto& [name, text] : fields) {
    std::string v = name == field ? value : text;
    if (name == field && value.empty()) continue;
    absl::StrAppend(&body, body.empty() ? "" : ", ", "\"", name, "\": ", v);
  }
  return absl::StrCat("{\"", key, "\": {", body, "}}");
}

using KnownPeersCorruptTest = KnownPeersDirTest;

TEST_F(KnownPeersCorruptTest, EveryCorruptCaseIsDataLossNamingFileAndProblem) {
  const std::string good(kSeedSample);
  struct Case {
    std::string name;
    std::string text;
    std::string problem;  // a phrase of the message
  };
  const Case cases[] = {
      {"empty file", "", "empty"},
      {"whitespace only", " \n\t", "empty"},
      {"truncated", good.substr(0, good.size() / 2), "not valid JSON"},
      {"truncated after the last brace", good.substr(0, good.size() - 3),
       "not valid JSON"},
      {"not JSON", "host=192.168.1.10\n", "not valid JSON"},
      {"binary garbage", std::string("\x00\x01\xff{", 4), "not valid JSON"},
      {"top level array", "[]", "top level is array"},
      {"top level number", "42", "top level is number"},
      {"value not an object", R"({"node1:8000": 5})", "not an object"},
      {"host missing", Entry("host", ""), "\"host\" is missing"},
      {"host not a string", Entry("host", "7"), "\"host\" must be a string"},
      {"port missing", Entry("port", ""), "\"port\" is missing"},
      {"port a string", Entry("port", "\"8000\""), "must be an integer"},
      {"port a fraction", Entry("port", "8000.5"), "must be an integer"},
      {"port zero", Entry("port", "0"), "1..65535"},
      {"port too large", Entry("port", "65536"), "out of range"},
      {"port negative", Entry("port", "-1"), "negative"},
      {"last_seen missing", Entry("last_seen", ""), "\"last_seen\" is missing"},
      {"last_seen a string", Entry("last_seen", "\"yesterday\""),
       "must be a number"},
      {"last_seen null", Entry("last_seen", "null"), "must be a number"},
      {"last_seen negative", Entry("last_seen", "-1.5"), "out of range"},
      {"last_seen absurd", Entry("last_seen", "1e300"), "out of range"},
      {"success_count negative", Entry("success_count", "-1"), "negative"},
      {"failure_count negative", Entry("failure_count", "-3"), "negative"},
      {"count a fraction", Entry("failure_count", "1.5"), "must be an integer"},
      {"count a bool", Entry("success_count", "true"), "must be an integer"},
      {"count too large", Entry("success_count", "18446744073709551615"),
       "out of range"},
      {"count missing", Entry("failure_count", ""), "is missing"},
      {"key not host:port", Entry("port", "8000", "node1"),
       "missing \":port\""},
      {"key with another host", Entry("port", "8000", "node2:8000"),
       "does not match"},
      {"key with another port", Entry("port", "8000", "node1:8001"),
       "does not match"},
      {"bad host", Entry("host", "\"no such host!\"", "x:8000"),
       "not a valid DNS name"},
      {"node_id malformed",
       R"({"a:1": {"host": "a", "port": 1, "last_seen": 1, "success_count": 0,
                   "failure_count": 0, "node_id": "abc"}})",
       "\"node_id\""},
      {"node_id a number",
       R"({"a:1": {"host": "a", "port": 1, "last_seen": 1, "success_count": 0,
                   "failure_count": 0, "node_id": 5}})",
       "must be a string"},
      {"two keys for one address",
       R"({"A:1": {"host": "a", "port": 1, "last_seen": 1, "success_count": 0,
                   "failure_count": 0},
           "a:1": {"host": "a", "port": 1, "last_seen": 1, "success_count": 0,
                   "failure_count": 0}})",
       "a second entry for a:1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(io::WriteFileAtomically(path_, c.text).ok());
    absl::StatusOr<KnownPeers> peers = LoadKnownPeersFile(path_);
    ASSERT_FALSE(peers.ok());
    EXPECT_TRUE(IsCorruptKnownPeersFile(peers.status())) << peers.status();
    EXPECT_EQ(peers.status().code(), absl::StatusCode::kDataLoss);
    const std::string message(peers.status().message());
    EXPECT_NE(message.find(path_), std::string::npos) << message;
    EXPECT_NE(message.find("corrupt"), std::string::npos) << message;
    EXPECT_NE(message.find(c.problem), std::string::npos) << message;
    // The load never touches the file.
    EXPECT_EQ(*io::ReadFile(path_), c.text);
  }
}

TEST_F(KnownPeersCorruptTest, ErrorNamesTheEntry) {
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers(
      R"({"ok:1": {"host": "ok", "port": 1, "last_seen": 1, "success_count": 0,
                   "failure_count": 0},
          "bad:2": {"host": "bad", "port": 2, "last_seen": 1,
                    "success_count": -4, "failure_count": 0}})",
      "/data/known_peers.json");
  ASSERT_FALSE(peers.ok());
  EXPECT_EQ(peers.status().message(),
            "known_peers file \"/data/known_peers.json\" is corrupt: entry "
            "\"bad:2\": \"success_count\" is negative (-4)");
}

TEST_F(KnownPeersCorruptTest, MoveAsideKeepsEveryBackup) {
  ASSERT_TRUE(io::WriteFileAtomically(path_, "{trunc").ok());
  absl::StatusOr<std::string> first = MoveCorruptFileAside(path_, kNow);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, path_ + ".corrupt-1705400000");
  EXPECT_EQ(*io::ReadFile(*first), "{trunc");
  EXPECT_FALSE(fs::exists(path_));
  // Starting over from bootstrap peers: the file is simply missing now.
  EXPECT_TRUE(LoadKnownPeersFile(path_)->empty());

  // Corrupt again within the same second: a new name, nothing overwritten.
  ASSERT_TRUE(io::WriteFileAtomically(path_, "").ok());
  absl::StatusOr<std::string> second = MoveCorruptFileAside(path_, kNow);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, path_ + ".corrupt-1705400000.1");
  ASSERT_TRUE(io::WriteFileAtomically(path_, "[]").ok());
  EXPECT_EQ(*MoveCorruptFileAside(path_, kNow),
            path_ + ".corrupt-1705400000.2");
  EXPECT_EQ(*io::ReadFile(*first), "{trunc");
  EXPECT_EQ(*io::ReadFile(*second), "");
  EXPECT_EQ(Files(), (std::vector<std::string>{
                         "known_peers.json.corrupt-1705400000",
                         "known_peers.json.corrupt-1705400000.1",
                         "known_peers.json.corrupt-1705400000.2"}));
}

TEST_F(KnownPeersCorruptTest, MoveAsideOfAMissingFileIsNotFound) {
  EXPECT_EQ(MoveCorruptFileAside(path_, kNow).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(KnownPeersCorruptTest, LeftoverTempFileFromACrashIsIgnored) {
  // The state a crash during WriteFileAtomically leaves: the old target
  // intact and a partly written temporary file beside it.
  ASSERT_TRUE(io::WriteFileAtomically(path_, kSeedSample).ok());
  ASSERT_TRUE(io::WriteFileAtomically(path_ + ".tmp.Ab12Cd",
                                      std::string(kSeedSample).substr(0, 40))
                  .ok());
  absl::StatusOr<KnownPeers> peers = LoadKnownPeersFile(path_);
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_EQ(peers->at("192.168.1.10:8000").success_count, 100);

  // The next save replaces the target and still leaves the stray alone.
  (*peers)["192.168.1.10:8000"].success_count = 101;
  ASSERT_TRUE(SaveKnownPeersFile(path_, *peers).ok());
  EXPECT_EQ(LoadKnownPeersFile(path_)->at("192.168.1.10:8000").success_count,
            101);
  EXPECT_EQ(Files(), (std::vector<std::string>{"known_peers.json",
                                               "known_peers.json.tmp.Ab12Cd"}));
}

TEST_F(KnownPeersCorruptTest, CrashBeforeTheFirstRenameLeavesNoFile) {
  // A crash during the very first save: only the temporary file exists.
  ASSERT_TRUE(io::WriteFileAtomically(path_ + ".tmp.Zz9", "{\"a:1\": {").ok());
  absl::StatusOr<KnownPeers> peers = LoadKnownPeersFile(path_);
  ASSERT_TRUE(peers.ok()) << peers.status();
  EXPECT_TRUE(peers->empty());
}

TEST_F(KnownPeersCorruptTest, SaveLeavesNoTemporaryFiles) {
  KnownPeers peers = *ParseKnownPeers(kSeedSample, "x");
  for (int i = 0; i < 3; ++i) {
    peers["192.168.1.10:8000"].success_count = i;
    ASSERT_TRUE(SaveKnownPeersFile(path_, peers).ok());
  }
  EXPECT_EQ(Files(), (std::vector<std::string>{"known_peers.json"}));
  EXPECT_EQ(LoadKnownPeersFile(path_)->at("192.168.1.10:8000").success_count,
            2);
}

TEST_F(KnownPeersCorruptTest, SaveIntoAMissingDirectoryFailsCleanly) {
  KnownPeers peers = *ParseKnownPeers(kSeedSample, "x");
  absl::Status s =
      SaveKnownPeersFile(dir_ + "/missing/known_peers.json", peers);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(IsCorruptKnownPeersFile(s));
}

}  // namespace
}  // namespace datamgmt::peer_manager
