// Shared by the known_peers.json tests: the seed's sample file and a
// per-test directory holding known_peers.json. Test-only.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_TEST_FIXTURE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_TEST_FIXTURE_H_

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/io/atomic_file.h"
#include "gtest/gtest.h"

namespace datamgmt::peer_manager {

// The seed's sample file (shared/seed/p2p-network.md, "Peer Storage"),
// pretty-printed as the seed shows it.
inline constexpr char kSeedSample[] = R"({
  "192.168.1.10:8000": {
    "host": "192.168.1.10",
    "port": 8000,
    "last_seen": 1705312200.5,
    "success_count": 100,
    "failure_count": 5
  }
}
)";

inline const absl::Time kNow = absl::FromUnixSeconds(1'705'400'000);

// A fresh, empty directory per test; path_ is its known_peers.json.
class KnownPeersDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(io::MakeDirectories(dir_).ok());
    path_ = dir_ + "/known_peers.json";
  }

  // The names of the files in the directory, sorted.
  std::vector<std::string> Files() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir_;
  std::string path_;
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_TEST_FIXTURE_H_
