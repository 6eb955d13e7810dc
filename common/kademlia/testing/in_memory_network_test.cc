#include "common/kademlia/testing/in_memory_network.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "common/kademlia/lookup.h"
#include "common/kademlia/routing_table.h"
#include "common/kademlia/testing/oracle.h"
#include "gtest/gtest.h"

namespace datamgmt::kademlia::sim {
namespace {

NodeId Id(uint8_t first, uint8_t last) {
  IdBytes bytes{};
  bytes[0] = first;
  bytes[kIdBytes - 1] = last;
  return NodeId(bytes);
}

std::unique_ptr<InMemoryNetwork> Network(InMemoryNetworkOptions options) {
  absl::StatusOr<std::unique_ptr<InMemoryNetwork>> net =
      InMemoryNetwork::Create(std::move(options));
  EXPECT_TRUE(net.ok()) << net.status();
  return *std::move(net);
}

TEST(InMemoryNetworkOptionsTest, Validates) {
  EXPECT_TRUE(InMemoryNetworkOptions{}.Validate().ok());
  InMemoryNetworkOptions bad_step;
  bad_step.message_step = absl::ZeroDuration();
  EXPECT_EQ(InMemoryNetwork::Create(bad_step).status().code(),
            absl::StatusCode::kInvalidArgument);
  InMemoryNetworkOptions bad_lookup;
  bad_lookup.lookup.alpha = 0;
  EXPECT_EQ(bad_lookup.Validate().code(), absl::StatusCode::kInvalidArgument);
  InMemoryNetworkOptions bad_table;
  bad_table.table.k = 0;
  EXPECT_EQ(bad_table.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(InMemoryNetworkTest, ReportsUnknownDuplicateAndDeadNodes) {
  std::mt19937_64 gen(1);
  auto net = Network({});
  ASSERT_TRUE(net->AddNode(Id(0, 1), std::nullopt, gen).ok());
  EXPECT_EQ(net->AddNode(Id(0, 1), std::nullopt, gen).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(net->AddNode(Id(0, 2), Id(0, 9), gen).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(net->Kill(Id(0, 9)).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(net->Put(Id(0, 9), Id(0, 0), "v").code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(net->FindNode(Id(0, 9), Id(0, 0)).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_TRUE(net->Kill(Id(0, 1)).ok());
  EXPECT_FALSE(net->IsAlive(Id(0, 1)));
  EXPECT_EQ(net->FindValue(Id(0, 1), Id(0, 0)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(net->TableOf(Id(0, 9)), nullptr);
}

TEST(InMemoryNetworkTest, JoiningTeachesBothSides) {
  std::mt19937_64 gen(2);
  auto net = Network({});
  const NodeId a = Id(0x00, 1), b = Id(0x80, 1), c = Id(0x40, 1);
  ASSERT_TRUE(net->AddNode(a, std::nullopt, gen).ok());
  ASSERT_TRUE(net->AddNode(b, a, gen).ok());
  ASSERT_TRUE(net->AddNode(c, b, gen).ok());
  // c joined through b and found a through b; a and b heard from c.
  for (const NodeId& x : {a, b, c}) {
    for (const NodeId& y : {a, b, c}) {
      if (x != y) {
        EXPECT_TRUE(net->TableOf(x)->Find(y).has_value());
      }
    }
  }
  EXPECT_EQ(net->ids(), (std::vector<NodeId>{a, b, c}));
}

TEST(InMemoryNetworkTest, TimeAdvancesOneStepPerMessage) {
  std::mt19937_64 gen(3);
  InMemoryNetworkOptions options;
  options.message_step = absl::Milliseconds(7);
  const absl::Time start = Network(options)->now();
  absl::StatusOr<std::unique_ptr<InMemoryNetwork>> net =
      BuildRandomNetwork(30, options, gen);
  ASSERT_TRUE(net.ok()) << net.status();
  const NetworkStats& stats = (*net)->stats();
  EXPECT_GT(stats.find_rpcs, 0);
  EXPECT_EQ((*net)->now() - start,
            absl::Milliseconds(7) * (stats.find_rpcs + stats.pings));
}

TEST(InMemoryNetworkTest, PingBeforeEvictKeepsLiveAndEvictsDeadContacts) {
  std::mt19937_64 gen(4);
  InMemoryNetworkOptions options;
  options.table.k = 1;  // one contact per bucket: the second one must wait
  options.table.fresh_contact_window = absl::ZeroDuration();  // always ping
  options.refresh_on_join = false;
  auto net = Network(options);
  // b, c and d all fall in a's bucket 255.
  const NodeId a = Id(0x00, 0), b = Id(0x80, 1), c = Id(0x80, 2),
               d = Id(0x80, 3);
  ASSERT_TRUE(net->AddNode(a, std::nullopt, gen).ok());
  ASSERT_TRUE(net->AddNode(b, a, gen).ok());
  ASSERT_TRUE(net->AddNode(c, a, gen).ok());
  // a pinged b, which answered: b stays, c waits.
  EXPECT_EQ(net->stats().pings, 1);
  EXPECT_TRUE(net->TableOf(a)->Find(b).has_value());
  EXPECT_FALSE(net->TableOf(a)->Find(c).has_value());

  ASSERT_TRUE(net->Kill(b).ok());
  ASSERT_TRUE(net->AddNode(d, a, gen).ok());
  // a pinged b again, which is dead: evicted for the freshest newcomer.
  EXPECT_EQ(net->stats().pings, 2);
  EXPECT_FALSE(net->TableOf(a)->Find(b).has_value());
  EXPECT_TRUE(net->TableOf(a)->Find(d).has_value());
  EXPECT_EQ(net->TableOf(a)->size(), 1u);
}

TEST(InMemoryNetworkTest, LookupsInASmallNetworkAreExact) {
  std::mt19937_64 gen(5);
  absl::StatusOr<std::unique_ptr<InMemoryNetwork>> net =
      BuildRandomNetwork(100, {}, gen);
  ASSERT_TRUE(net.ok()) << net.status();
  const std::vector<NodeId>& ids = (*net)->ids();
  for (int i = 0; i < 50; ++i) {
    const NodeId from = ids[absl::Uniform<size_t>(gen, 0, ids.size())];
    const NodeId key = NodeId::Random(gen);
    absl::StatusOr<LookupResult> r = (*net)->FindNode(from, key);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(Judge(r->closest, TrueClosest(ids, key, 20, from)).exact);
  }
}

TEST(InMemoryNetworkTest, DeadNodesFailAndNeverAppearInResults) {
  std::mt19937_64 gen(6);
  absl::StatusOr<std::unique_ptr<InMemoryNetwork>> net =
      BuildRandomNetwork(60, {}, gen);
  ASSERT_TRUE(net.ok()) << net.status();
  const std::vector<NodeId> ids = (*net)->ids();
  const NodeId key = NodeId::Random(gen);
  // Kill the 5 nodes nearest the key; a lookup must route around them.
  const std::vector<NodeId> nearest = TrueClosest(ids, key, 5);
  for (const NodeId& id : nearest) ASSERT_TRUE((*net)->Kill(id).ok());
  const std::vector<NodeId> live = (*net)->LiveIds();
  ASSERT_EQ(live.size(), 55u);
  absl::StatusOr<LookupResult> r = (*net)->FindNode(live[0], key);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_GE(r->stats.failed, 1);
  EXPECT_GE((*net)->stats().failed_rpcs, 1);
  for (const Contact& c : r->closest) EXPECT_TRUE((*net)->IsAlive(c.id));
  // The nearest live node is found. (Exactly the 20 nearest live ones is
  // not guaranteed: the live nodes' tables still list the dead ones, so
  // their replies carry fewer than 20 live contacts.)
  EXPECT_TRUE(
      Judge(r->closest, TrueClosest(live, key, 20, live[0])).found_closest);
}

TEST(InMemoryNetworkTest, FindValueStopsAtAHolder) {
  std::mt19937_64 gen(7);
  absl::StatusOr<std::unique_ptr<InMemoryNetwork>> net =
      BuildRandomNetwork(80, {}, gen);
  ASSERT_TRUE(net.ok()) << net.status();
  const std::vector<NodeId>& ids = (*net)->ids();
  const NodeId key = NodeId::Random(gen);
  // The third closest holds it, so nearer nodes answer without it first.
  const NodeId holder = TrueClosest(ids, key, 3)[2];
  ASSERT_TRUE((*net)->Put(holder, key, "payload").ok());
  const NodeId from = TrueClosest(ids, key, 80).back();  // the farthest
  absl::StatusOr<LookupResult> r = (*net)->FindValue(from, key);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->value.has_value());
  EXPECT_EQ(*r->value, "payload");
  EXPECT_EQ(r->value_holder->id, holder);
  ASSERT_TRUE(r->cache_candidate.has_value());
  EXPECT_NE(r->cache_candidate->id, holder);
  EXPECT_TRUE(CloserTo(key, r->cache_candidate->id, holder));
  // Nobody else has it: a lookup for another key finds nothing.
  absl::StatusOr<LookupResult> miss = (*net)->FindValue(from, Id(1, 1));
  ASSERT_TRUE(miss.ok());
  EXPECT_FALSE(miss->value.has_value());
}

TEST(InMemoryNetworkTest, SameSeedSameNetwork) {
  auto build = [](uint32_t seed) {
    std::mt19937_64 gen(seed);
    absl::StatusOr<std::unique_ptr<InMemoryNetwork>> net =
        BuildRandomNetwork(40, {}, gen);
    EXPECT_TRUE(net.ok());
    return *std::move(net);
  };
  auto one = build(8), two = build(8), other = build(9);
  EXPECT_EQ(one->ids(), two->ids());
  EXPECT_EQ(one->stats().find_rpcs, two->stats().find_rpcs);
  EXPECT_EQ(one->now(), two->now());
  EXPECT_NE(one->ids(), other->ids());
}

}  // namespace
}  // namespace datamgmt::kademlia::sim
