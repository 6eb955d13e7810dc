#include "services/peer_manager/exchange_plan.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace datamgmt::peer_manager {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'705'312'200);

kademlia::NodeId Id(int n) {
  kademlia::IdBytes bytes{};
  bytes[31] = static_cast<uint8_t>(n);
  return kademlia::NodeId(bytes);
}

PeerView View(const std::string& address, bool healthy, int64_t successes,
              absl::Time last_seen, std::optional<kademlia::NodeId> id = {}) {
  PeerView v;
  v.record.address = *net::ParsePeerAddress(address);
  v.record.stats.success_count = successes;
  v.record.stats.last_seen = last_seen;
  v.record.node_id = id;
  v.healthy = healthy;
  return v;
}

TEST(ExchangePlanOptionsTest, DefaultsAndLimits) {
  ExchangePlanOptions options;
  EXPECT_TRUE(options.Validate().ok());
  EXPECT_EQ(options.max_shared, 100);
  options.max_shared = 101;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options = ExchangePlanOptions();
  options.max_targets = 0;
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ExchangePlanTest, TargetsAreTheHealthyPeers) {
  std::mt19937_64 gen(1);
  std::vector<PeerView> peers = {View("a:1", true, 0, kT0),
                                 View("b:1", false, 3, kT0),
                                 View("c:1", true, 9, kT0)};
  EXPECT_EQ(ChooseExchangeTargets(peers, ExchangePlanOptions(), gen),
            (std::vector<std::string>{"a:1", "c:1"}));
  EXPECT_TRUE(ChooseExchangeTargets({}, ExchangePlanOptions(), gen).empty());
}

TEST(ExchangePlanTest, TooManyTargetsAreSampled) {
  std::vector<PeerView> peers;
  for (int i = 0; i < 50; ++i) {
    peers.push_back(View("n" + std::to_string(i) + ":1", i % 2 == 0, 1, kT0));
  }
  ExchangePlanOptions options;
  options.max_targets = 10;
  std::set<std::vector<std::string>> samples;
  for (int seed = 0; seed < 5; ++seed) {
    std::mt19937_64 gen(seed);
    std::vector<std::string> targets =
        ChooseExchangeTargets(peers, options, gen);
    ASSERT_EQ(targets.size(), 10u);
    EXPECT_TRUE(std::is_sorted(targets.begin(), targets.end()));
    for (const std::string& t : targets) {
      const int n = std::stoi(t.substr(1));
      EXPECT_EQ(n % 2, 0) << t;  // only healthy ones
    }
    samples.insert(targets);
  }
  EXPECT_GT(samples.size(), 1u);
}

TEST(ExchangePlanTest, SharedHintsExcludeTheRemoteAndUnhealthy) {
  std::vector<PeerView> peers = {
      View("remote:1", true, 4, kT0),
      View("sick:1", false, 4, kT0),
      View("new:1", true, 0, kT0 + absl::Minutes(3)),
      View("old:1", true, 2, kT0 - absl::Minutes(2), Id(7)),
      View("fresh:1", true, 5, kT0),
  };
  std::vector<PeerHint> hints =
      ChooseSharedHints(peers, "REMOTE:1", ExchangePlanOptions());
  ASSERT_EQ(hints.size(), 3u);
  // Answered peers first, most recently seen first; then unverified ones.
  EXPECT_EQ(hints[0].address, "fresh:1");
  EXPECT_EQ(hints[0].last_seen, kT0);
  EXPECT_EQ(hints[1].address, "old:1");
  EXPECT_EQ(hints[1].node_id, Id(7).ToHex());
  EXPECT_EQ(hints[1].last_seen, kT0 - absl::Minutes(2));
  EXPECT_EQ(hints[2].address, "new:1");
  EXPECT_FALSE(hints[2].last_seen.has_value());  // never heard from it
  EXPECT_EQ(hints[2].node_id, "");
}

TEST(ExchangePlanTest, SharedHintsAreCapped) {
  std::vector<PeerView> peers;
  for (int i = 0; i < 150; ++i) {
    peers.push_back(
        View("n" + std::to_string(i) + ":1", true, 1, kT0 + absl::Seconds(i)));
  }
  std::vector<PeerHint> hints =
      ChooseSharedHints(peers, "x:1", ExchangePlanOptions());
  ASSERT_EQ(hints.size(), 100u);
  EXPECT_EQ(hints.front().address, "n149:1");
  EXPECT_EQ(hints.back().address, "n50:1");
}

}  // namespace
}  // namespace datamgmt::peer_manager
