// The fixture of the DhtNode network tests: N whole nodes (TestNode, i.e.
// DhtNode on loopback) joined the way a deployment joins them, through
// PeerDialer.PingPeer on each node's local API (which teaches the routing
// table the responder) and a lookup of the node's own ID; plus blocking
// DhtService/PeerDialer calls with deadlines. testonly.
#ifndef DATAMGMT_SERVICES_DHT_DHT_NETWORK_FIXTURE_H_
#define DATAMGMT_SERVICES_DHT_DHT_NETWORK_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/time/clock.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/dht/test_node.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {

class DhtNetworkTest : public ::testing::Test {
 protected:
  using DhtService = dht::v1::DhtService;
  using PeerDialer = dht::v1::PeerDialer;

  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }

  // Starts node number `i` (its directory is <dir>/<i>) with `options`.
  std::unique_ptr<TestNode> StartNode(int i, TestNodeOptions options = {}) {
    options.key = TestKey(gen_);
    options.dir = absl::StrCat(dir_, "/", i);
    absl::StatusOr<std::unique_ptr<TestNode>> node =
        TestNode::Start(std::move(options));
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  // Starts `n` nodes with `options` and joins them: each pings node 0
  // through its own PeerDialer, then looks up its own ID.
  void Build(int n, const TestNodeOptions& options = {}) {
    for (int i = 0; i < n; ++i) {
      nodes_.push_back(StartNode(i, options));
      ASSERT_NE(nodes_.back(), nullptr);
      ids_.push_back(nodes_.back()->id());
    }
    for (int i = 1; i < n; ++i) {
      dht::v1::PingPeerRequest ping;
      ping.set_address(nodes_[0]->address());
      dht::v1::PingPeerResponse pong;
      ASSERT_TRUE(
          Call(*Dialer(i), &PeerDialer::Stub::PingPeer, ping, &pong).ok());
      ASSERT_TRUE(pong.success()) << pong.error().message();
    }
    for (int i = 1; i < n; ++i) {
      nodes_[i]->lookups().Run(ids_[i], kademlia::LookupKind::kFindNode);
    }
  }

  std::unique_ptr<DhtService::Stub> Api(int i) {
    return DhtService::NewStub(grpc::CreateChannel(
        nodes_[i]->api_address(), grpc::InsecureChannelCredentials()));
  }
  std::unique_ptr<PeerDialer::Stub> Dialer(int i) {
    return PeerDialer::NewStub(grpc::CreateChannel(
        nodes_[i]->api_address(), grpc::InsecureChannelCredentials()));
  }

  // A unary call with a 20 s deadline.
  template <typename Stub, typename Req, typename Resp, typename Method>
  static grpc::Status Call(Stub& stub, Method method, const Req& request,
                           Resp* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    return (stub.*method)(&ctx, request, response);
  }

  grpc::Status Put(int i, const std::string& data,
                   dht::v1::PutDataResponse* out) {
    dht::v1::PutDataRequest req;
    req.set_data(data);
    return Call(*Api(i), &DhtService::Stub::PutData, req, out);
  }
  grpc::Status Get(int i, const std::string& hash,
                   dht::v1::GetDataResponse* out) {
    dht::v1::GetDataRequest req;
    req.set_hash(hash);
    return Call(*Api(i), &DhtService::Stub::GetData, req, out);
  }

  // Keys held by every node together.
  uint64_t KeysEverywhere() {
    uint64_t keys = 0;
    for (auto& node : nodes_) {
      if (node != nullptr) keys += node->store().stats().keys;
    }
    return keys;
  }

  // For tests that step time; declared before the nodes that use it.
  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::mt19937_64 gen_{4242};
  std::string dir_;
  std::vector<kademlia::NodeId> ids_;
  std::vector<std::unique_ptr<TestNode>> nodes_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_DHT_NETWORK_FIXTURE_H_
