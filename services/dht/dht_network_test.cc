// Networks of whole dht nodes (DhtNode) over real gRPC on loopback, driven
// through the local API as the gateway drives it: put at one node, get at
// every other; replica counts; the documented errors; restart; republish.
//
// Replica rule (dht.proto PutDataResponse.replicas): 1 (the node that was
// asked) + the Stores that answered OK at the k closest other nodes the
// FIND_NODE lookup found. With N reachable nodes: min(k, N - 1) + 1.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "common/crypto/sha256.h"
#include "common/kademlia/testing/oracle.h"
#include "common/time/clock.h"
#include "rocksdb/db.h"
#include "services/dht/dht_network_fixture.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

std::string Hex(const std::string& data) {
  return NodeId(crypto::Sha256(data)).ToHex();
}

// Every byte value, then pseudo-random bytes.
std::string BinaryValue(std::mt19937_64& gen, size_t extra) {
  std::string value;
  for (int b = 0; b < 256; ++b) value.push_back(static_cast<char>(b));
  for (size_t i = 0; i < extra; ++i) value.push_back(static_cast<char>(gen()));
  return value;
}

TEST_F(DhtNetworkTest, PutAtOneNodeIsGotAtEveryOtherWithKPlusOneReplicas) {
  constexpr int kNodes = 24;  // > k + 1 = 21: some nodes hold no replica
  Build(kNodes);
  const std::string value = BinaryValue(gen_, 5000);
  dht::v1::PutDataResponse put;
  ASSERT_TRUE(Put(5, value, &put).ok());
  EXPECT_EQ(put.hash(), Hex(value));
  EXPECT_EQ(put.size(), value.size());
  EXPECT_EQ(put.replicas(), 21u) << "min(k = 20, N - 1 = 23) + 1";
  EXPECT_EQ(KeysEverywhere(), 21u);

  for (int i = 0; i < kNodes; ++i) {
    if (i == 5) continue;
    dht::v1::GetDataResponse got;
    // Either case is accepted; the answer is lowercase.
    const std::string hash =
        i % 2 == 0 ? put.hash() : absl::AsciiStrToUpper(put.hash());
    grpc::Status status = Get(i, hash, &got);
    ASSERT_TRUE(status.ok()) << "node " << i << ": " << status.error_message();
    EXPECT_EQ(got.data(), value) << "node " << i;
    EXPECT_EQ(got.hash(), put.hash());
    EXPECT_EQ(got.size(), value.size());
  }
  EXPECT_EQ(KeysEverywhere(), static_cast<uint64_t>(kNodes))
      << "nodes that found it remotely keep a copy";
}

TEST_F(DhtNetworkTest, ReplicasAreTheNetworkSizeWhenSmallerThanKPlusOne) {
  Build(6);
  dht::v1::PutDataResponse put;
  ASSERT_TRUE(Put(2, "six nodes, k = 20", &put).ok());
  EXPECT_EQ(put.replicas(), 6u) << "min(k = 20, N - 1 = 5) + 1";
  EXPECT_EQ(KeysEverywhere(), 6u);
}

TEST_F(DhtNetworkTest, ReplicasFollowASmallerK) {
  TestNodeOptions options;
  options.lookup.lookup.k = 3;
  Build(8, options);
  dht::v1::PutDataResponse put;
  ASSERT_TRUE(Put(0, "eight nodes, k = 3", &put).ok());
  EXPECT_EQ(put.replicas(), 4u) << "min(k = 3, N - 1 = 7) + 1";
  EXPECT_EQ(KeysEverywhere(), 4u);
}

TEST_F(DhtNetworkTest, UnknownHashIsNotFound) {
  Build(5);
  dht::v1::GetDataResponse got;
  grpc::Status status = Get(3, NodeId::Random(gen_).ToHex(), &got);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "Data not found");
}

TEST_F(DhtNetworkTest, MalformedHashIsInvalidArgument) {
  Build(2);
  for (const std::string& hash :
       {std::string(""), std::string("abc"), std::string(63, 'a'),
        std::string(65, 'a'), std::string(64, 'g')}) {
    dht::v1::GetDataResponse got;
    EXPECT_EQ(Get(1, hash, &got).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << "\"" << hash << "\"";
  }
}

TEST_F(DhtNetworkTest, OversizedOrEmptyPutStoresNothingAnywhere) {
  Build(5);
  dht::v1::PutDataResponse put;
  const grpc::Status big = Put(1, std::string((1 << 20) + 1, 'x'), &put);
  EXPECT_EQ(big.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(big.error_message().find("1048576"), std::string::npos)
      << big.error_message();
  EXPECT_EQ(Put(1, "", &put).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(KeysEverywhere(), 0u);
  // The limit itself is fine.
  ASSERT_TRUE(Put(1, std::string(1 << 20, 'y'), &put).ok());
  EXPECT_EQ(put.replicas(), 5u);
}

TEST_F(DhtNetworkTest, RestartedNodeKeepsItsIdAndItsData) {
  nodes_.push_back(StartNode(0));
  ASSERT_NE(nodes_[0], nullptr);
  const NodeId id = nodes_[0]->id();
  const std::string value = BinaryValue(gen_, 100);
  dht::v1::PutDataResponse put;
  ASSERT_TRUE(Put(0, value, &put).ok());
  EXPECT_EQ(put.replicas(), 1u) << "alone: only this node";
  nodes_[0].reset();  // graceful shutdown, storage closed

  nodes_[0] = StartNode(0);  // a new random ID is offered and ignored
  ASSERT_NE(nodes_[0], nullptr);
  EXPECT_EQ(nodes_[0]->id(), id);
  dht::v1::GetDataResponse got;
  ASSERT_TRUE(Get(0, put.hash(), &got).ok());
  EXPECT_EQ(got.data(), value);
  EXPECT_EQ(nodes_[0]->store().stats().keys, 1u);
}

TEST_F(DhtNetworkTest, CorruptLocalValueIsDeletedAndFetchedAgain) {
  Build(3);
  const std::string value = "bytes that rot on one disk";
  const NodeId key(crypto::Sha256(value));
  dht::v1::PutDataResponse put;
  ASSERT_TRUE(Put(0, value, &put).ok());
  ASSERT_EQ(put.replicas(), 3u);
  nodes_[1].reset();
  {  // Overwrite node 1's copy behind its store's back.
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::ColumnFamilyOptions cf;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), dir_ + "/1/content",
                                  {{rocksdb::kDefaultColumnFamilyName, cf},
                                   {"content", cf},
                                   {"meta", cf}},
                                  &handles, &raw)
                    .ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(
        db->Put(rocksdb::WriteOptions(), handles[1], key.ToBytes(), "rot")
            .ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  nodes_[1] = StartNode(1);  // same ID, new port, empty routing table
  ASSERT_NE(nodes_[1], nullptr);
  dht::v1::PingPeerRequest ping;
  ping.set_address(nodes_[0]->address());
  dht::v1::PingPeerResponse pong;
  ASSERT_TRUE(Call(*Dialer(1), &PeerDialer::Stub::PingPeer, ping, &pong).ok());
  ASSERT_TRUE(pong.success());
  ASSERT_EQ(nodes_[1]->store().Get(key).status().code(),
            absl::StatusCode::kDataLoss);

  dht::v1::GetDataResponse got;
  ASSERT_TRUE(Get(1, put.hash(), &got).ok());
  EXPECT_EQ(got.data(), value);
  EXPECT_EQ(*nodes_[1]->store().Get(key), value) << "repaired locally";
}

TEST_F(DhtNetworkTest, RepublishStoresAtTheNewClosestAfterHoldersLeave) {
  TestNodeOptions options;
  options.clock = &clock_;
  options.lookup.lookup.k = 3;
  constexpr int kNodes = 10;
  Build(kNodes, options);
  const std::string value = "survives its holders";
  const NodeId key(crypto::Sha256(value));
  dht::v1::PutDataResponse put;
  ASSERT_TRUE(Put(0, value, &put).ok());
  ASSERT_EQ(put.replicas(), 4u);

  // The three holders leave; the value is left at node 0 only.
  std::vector<NodeId> live;
  for (int i = 1; i < kNodes; ++i) {
    if (nodes_[i]->store().Contains(key)) {
      nodes_[i].reset();
    } else {
      live.push_back(ids_[i]);
    }
  }
  ASSERT_EQ(live.size(), static_cast<size_t>(kNodes - 4));
  const std::vector<NodeId> next_closest =
      kademlia::sim::TrueClosest(live, key, 3, ids_[0]);
  auto node_of = [&](const NodeId& id) -> TestNode& {
    for (auto& n : nodes_) {
      if (n != nullptr && n->id() == id) return *n;
    }
    return *nodes_[0];
  };
  for (const NodeId& id : next_closest) {
    ASSERT_FALSE(node_of(id).store().Contains(key));
  }

  Maintenance& maintenance = nodes_[0]->node().maintenance();
  maintenance.Tick(clock_.Now());
  EXPECT_EQ(maintenance.stats().keys_republished, 0u) << "not due yet";
  clock_.Advance(kademlia::kDefaultRepublishInterval + absl::Seconds(1));
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    maintenance.Tick(clock_.Now());
    const MaintenanceStats stats = maintenance.stats();
    if (stats.keys_republished >= 1 && stats.republish_in_flight == 0) break;
    absl::SleepFor(absl::Milliseconds(10));  // polling, with a deadline
  }
  maintenance.Tick(clock_.Now());
  const MaintenanceStats stats = maintenance.stats();
  EXPECT_EQ(stats.keys_republished, 1u);
  EXPECT_EQ(stats.replicas_stored, 3u);
  EXPECT_EQ(stats.republish_rounds, 1u);
  for (const NodeId& id : next_closest) {
    EXPECT_TRUE(node_of(id).store().Contains(key)) << id.ShortHex();
  }
}

TEST_F(DhtNetworkTest, SparseTableLooksItselfUpUntilItKnowsLateJoiners) {
  TestNodeOptions options;
  options.clock = &clock_;
  Build(2, options);  // node 1 joined through node 0 and looked itself up
  Maintenance& maintenance = nodes_[1]->node().maintenance();
  maintenance.Tick(clock_.Now());
  // Its join is complete: it knows node 0, and no bucket is due for refresh
  // before an hour (node 0's bucket was touched when it was added).
  ASSERT_EQ(nodes_[1]->node().routing().size(), 1u);
  ASSERT_EQ(maintenance.stats().refresh_lookups, 0u);

  // Four nodes join later, introducing themselves to node 0 only.
  constexpr int kNodes = 6;
  for (int i = 2; i < kNodes; ++i) {
    nodes_.push_back(StartNode(i, options));
    ASSERT_NE(nodes_.back(), nullptr);
    ids_.push_back(nodes_.back()->id());
    dht::v1::PingPeerRequest ping;
    ping.set_address(nodes_[0]->address());
    dht::v1::PingPeerResponse pong;
    ASSERT_TRUE(
        Call(*Dialer(i), &PeerDialer::Stub::PingPeer, ping, &pong).ok());
  }
  maintenance.Tick(clock_.Now());
  EXPECT_EQ(maintenance.stats().sparse_lookups, 0u) << "not due yet";
  EXPECT_EQ(nodes_[1]->node().routing().size(), 1u)
      << "node 1 learned the late joiners without looking";

  // wait_lookup: until the self-lookup in flight has finished.
  auto wait_lookup = [&] {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (maintenance.stats().sparse_lookup_in_flight &&
           absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));  // polling, with a deadline
    }
    ASSERT_FALSE(maintenance.stats().sparse_lookup_in_flight);
  };
  clock_.Advance(absl::Seconds(2));
  maintenance.Tick(clock_.Now());
  EXPECT_EQ(maintenance.stats().sparse_lookups, 1u);
  wait_lookup();
  EXPECT_EQ(nodes_[1]->node().routing().size(),
            static_cast<size_t>(kNodes - 1));

  // The table is still below k: the next self-lookup is due 2 s after the
  // one that grew it, and after one that finds nobody new, 4 s.
  maintenance.Tick(clock_.Now());  // sees the finished lookup
  clock_.Advance(absl::Seconds(2));
  maintenance.Tick(clock_.Now());
  EXPECT_EQ(maintenance.stats().sparse_lookups, 2u);
  wait_lookup();
  maintenance.Tick(clock_.Now());  // sees it: no growth
  clock_.Advance(absl::Seconds(2));
  maintenance.Tick(clock_.Now());
  EXPECT_EQ(maintenance.stats().sparse_lookups, 2u) << "no back-off";
  clock_.Advance(absl::Seconds(2));
  maintenance.Tick(clock_.Now());
  EXPECT_EQ(maintenance.stats().sparse_lookups, 3u);
}

}  // namespace
}  // namespace datamgmt::dht
