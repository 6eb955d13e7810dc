// A peer-manager node for tests: a FakeClock, a FakePeerDialer served on a
// loopback port 0, a node on port 0 with its driver thread off (tests call
// Tick), and a PeerManager stub. Test-only.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_TEST_FIXTURE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_TEST_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/grpc/server.h"
#include "common/time/clock.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/peer_manager/bootstrap_peers.h"
#include "services/peer_manager/fake_peer_dialer.h"
#include "services/peer_manager/peer_manager_node.h"

namespace datamgmt::peer_manager {

inline std::string Hex(char c) { return std::string(64, c); }

class PeerManagerFixture : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(testing::TempDir()) /
           testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
        {.listen_address = "127.0.0.1:0",
         .shutdown_grace = absl::ZeroDuration()},
        {{&dialer_, std::string(dht::v1::PeerDialer::service_full_name())}});
    ASSERT_TRUE(server.ok()) << server.status();
    dialer_server_ = *std::move(server);
  }

  void TearDown() override {
    StopNode();
    dialer_server_->Shutdown();
  }

  PeerManagerNodeOptions Options(const std::string& initial_peers = "") {
    PeerManagerNodeOptions options;
    options.data_dir = dir_.string();
    options.listen_address = "127.0.0.1:0";
    options.dht_api_address =
        absl::StrCat("127.0.0.1:", dialer_server_->port());
    options.driver.bootstrap_peers = *ParseBootstrapPeers(initial_peers);
    options.shutdown_grace = absl::ZeroDuration();
    options.run_driver_thread = false;
    options.clock = &clock_;
    return options;
  }

  void StartNode(PeerManagerNodeOptions options) {
    absl::StatusOr<std::unique_ptr<PeerManagerNode>> node =
        PeerManagerNode::Start(std::move(options));
    ASSERT_TRUE(node.ok()) << node.status();
    node_ = *std::move(node);
    stub_ = peers::v1::PeerManager::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", node_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  void StopNode() {
    if (node_ != nullptr) node_->Shutdown();
    node_.reset();
  }

  // A client context with a deadline.
  static std::unique_ptr<grpc::ClientContext> Ctx() {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    return ctx;
  }

  grpc::Status AddPeer(const std::string& address, const std::string& id = "",
                       peers::v1::Peer* out = nullptr) {
    peers::v1::AddPeerRequest req;
    req.set_address(address);
    req.set_node_id(id);
    peers::v1::Peer peer;
    grpc::Status s = stub_->AddPeer(Ctx().get(), req, &peer);
    if (out != nullptr) *out = peer;
    return s;
  }

  grpc::Status RemovePeer(const std::string& address, double before = 0) {
    peers::v1::RemovePeerRequest req;
    req.set_address(address);
    req.set_last_seen_before(before);
    google::protobuf::Empty empty;
    return stub_->RemovePeer(Ctx().get(), req, &empty);
  }

  std::vector<std::string> ListAddresses(bool healthy = false) {
    peers::v1::ListPeersRequest req;
    req.set_healthy(healthy);
    peers::v1::ListPeersResponse resp;
    EXPECT_TRUE(stub_->ListPeers(Ctx().get(), req, &resp).ok());
    std::vector<std::string> out;
    for (const auto& p : resp.peers()) out.push_back(p.address());
    return out;
  }

  std::string KnownPeersPath() const {
    return (dir_ / "known_peers.json").string();
  }

  FakeClock clock_{absl::FromUnixSeconds(1'705'312'200)};
  FakePeerDialer dialer_;
  std::unique_ptr<GrpcServer> dialer_server_;
  std::filesystem::path dir_;
  std::unique_ptr<PeerManagerNode> node_;
  std::unique_ptr<peers::v1::PeerManager::Stub> stub_;
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_TEST_FIXTURE_H_
