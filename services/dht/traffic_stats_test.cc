#include "services/dht/traffic_stats.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace datamgmt::dht {
namespace {

TEST(TrafficStatsTest, StartsAtZeroForEveryMethod) {
  TrafficStats stats;
  TrafficSnapshot s = stats.Snapshot();
  EXPECT_EQ(s.bytes_sent, 0u);
  EXPECT_EQ(s.bytes_received, 0u);
  for (const RpcCounts& c : s.rpcs) EXPECT_EQ(c, RpcCounts{});
}

TEST(TrafficStatsTest, CountsBothDirectionsAsDhtProtoDefines) {
  TrafficStats stats;
  // We call a peer: 100 bytes out, 40 back.
  stats.RecordOutbound(P2pMethod::kFindNode, 100, 40, /*ok=*/true);
  // A peer calls us: 7 bytes in, 900 bytes answered.
  stats.RecordInbound(P2pMethod::kFindValue, 7, 900, /*ok=*/true);
  // A failed outbound call with no answer, a failed inbound one.
  stats.RecordOutbound(P2pMethod::kFindNode, 30, 0, /*ok=*/false);
  stats.RecordInbound(P2pMethod::kStore, 50, 0, /*ok=*/false);

  TrafficSnapshot s = stats.Snapshot();
  EXPECT_EQ(s.bytes_sent, 100u + 900u + 30u);
  EXPECT_EQ(s.bytes_received, 40u + 7u + 50u);
  EXPECT_EQ(stats.bytes_sent(), s.bytes_sent);
  EXPECT_EQ(stats.bytes_received(), s.bytes_received);
  EXPECT_EQ(s.of(P2pMethod::kFindNode),
            (RpcCounts{.outbound = 2, .outbound_errors = 1}));
  EXPECT_EQ(s.of(P2pMethod::kFindValue), (RpcCounts{.inbound = 1}));
  EXPECT_EQ(s.of(P2pMethod::kStore),
            (RpcCounts{.inbound = 1, .inbound_errors = 1}));
  EXPECT_EQ(s.of(P2pMethod::kPing), RpcCounts{});
}

TEST(TrafficStatsTest, MethodNamesMatchPeerProtocol) {
  EXPECT_EQ(P2pMethodName(P2pMethod::kPing), "Ping");
  EXPECT_EQ(P2pMethodName(P2pMethod::kFindNode), "FindNode");
  EXPECT_EQ(P2pMethodName(P2pMethod::kFindValue), "FindValue");
  EXPECT_EQ(P2pMethodName(P2pMethod::kStore), "Store");
  EXPECT_EQ(P2pMethodName(P2pMethod::kGetPeers), "GetPeers");
  EXPECT_EQ(P2pMethodName(P2pMethod::kSharePeers), "SharePeers");
}

TEST(TrafficStatsTest, ConcurrentUpdatesAreAllCounted) {
  TrafficStats stats;
  constexpr int kThreads = 8;
  constexpr int kCalls = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&stats] {
      for (int i = 0; i < kCalls; ++i) {
        stats.RecordOutbound(P2pMethod::kPing, 3, 5, i % 2 == 0);
        stats.RecordInbound(P2pMethod::kPing, 2, 1, true);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  TrafficSnapshot s = stats.Snapshot();
  constexpr uint64_t kTotal = uint64_t{kThreads} * kCalls;
  EXPECT_EQ(s.bytes_sent, kTotal * (3 + 1));
  EXPECT_EQ(s.bytes_received, kTotal * (5 + 2));
  EXPECT_EQ(s.of(P2pMethod::kPing), (RpcCounts{.inbound = kTotal,
                                               .inbound_errors = 0,
                                               .outbound = kTotal,
                                               .outbound_errors = kTotal / 2}));
}

}  // namespace
}  // namespace datamgmt::dht
