// P2pService's peer exchange (GetPeers, SharePeers) against a fake
// peer-manager.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/p2p_service.h"
#include "services/dht/p2p_service_test_fixture.h"
#include "services/dht/test_node.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::NodeId;
using p2p::v1::PeerProtocol;

peers::v1::Peer PmPeer(const std::string& address, double last_seen,
                       const std::string& node_id_hex = "") {
  peers::v1::Peer p;
  p.set_address(address);
  p.set_last_seen(last_seen);
  p.set_node_id(node_id_hex);
  p.set_healthy(true);
  return p;
}

TEST_F(P2pServiceTest, GetPeersAnswersFromPeerManagerNewestFirst) {
  pm_->SetPeers({
      PmPeer("10.0.0.1:8000", 100),
      PmPeer("10.0.0.2:8000", 300, NodeId::Random(gen_).ToHex()),
      PmPeer(me_.address, 999),       // the requester
      PmPeer(node_->address(), 998),  // this node
      PmPeer("10.0.0.3:8000", 200), PmPeer("bad address", 997),
      PmPeer("10.0.0.4:8000", 50, me_.id.ToHex()),  // requester, by ID
  });
  p2p::v1::GetPeersRequest req;
  req.set_max_peers(2);
  p2p::v1::GetPeersResponse resp;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::GetPeers, req, &resp).ok());
  ASSERT_EQ(resp.peers_size(), 2);
  EXPECT_EQ(resp.peers(0).host(), "10.0.0.2");
  EXPECT_EQ(resp.peers(0).node_id().size(), 32u);
  EXPECT_EQ(resp.peers(1).host(), "10.0.0.3");
  EXPECT_EQ(resp.peers(1).port(), 8000u);
  ASSERT_EQ(pm_->list_requests().size(), 1u);
  EXPECT_TRUE(pm_->list_requests()[0].healthy());

  req.set_max_peers(0);  // 0 means 100
  ASSERT_TRUE(Call(&PeerProtocol::Stub::GetPeers, req, &resp).ok());
  EXPECT_EQ(resp.peers_size(), 3);
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kGetPeers),
            (RpcCounts{.inbound = 2}));
}

TEST_F(P2pServiceTest, SharePeersMergesWellFormedEntriesIntoPeerManager) {
  p2p::v1::SharePeersRequest req;
  for (int i = 1; i <= 3; ++i) {
    p2p::v1::PeerEntry* e = req.add_peers();
    e->set_host(absl::StrCat("10.0.1.", i));
    e->set_port(8000);
    e->set_last_seen(1000 + i);
  }
  req.add_peers()->set_host("10.0.1.9");  // port 0: malformed
  *req.add_peers() = PeerEntryToProto(PeerEntry{
      .host = "10.7.7.7", .port = 8000, .node_id = node_->id()});  // this node
  p2p::v1::SharePeersResponse resp;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::SharePeers, req, &resp).ok());
  EXPECT_EQ(resp.added(), 3u);
  EXPECT_EQ(resp.ignored(), 2u);
  std::vector<peers::v1::MergePeersRequest> merges = pm_->merge_requests();
  ASSERT_EQ(merges.size(), 1u);
  ASSERT_EQ(merges[0].peers_size(), 3);
  EXPECT_EQ(merges[0].peers(0).address(), "10.0.1.1:8000");
  EXPECT_EQ(merges[0].peers(0).last_seen(), 1001);
  EXPECT_EQ(merges[0].source(), peers::v1::PEER_SOURCE_PEER_EXCHANGE);
  EXPECT_EQ(merges[0].learned_from(), me_.address);

  p2p::v1::SharePeersRequest too_many;
  for (int i = 0; i < 101; ++i) *too_many.add_peers() = req.peers(0);
  EXPECT_EQ(Call(&PeerProtocol::Stub::SharePeers, too_many, &resp).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(P2pServiceTest, BannedPeersAreNeitherSharedNorMerged) {
  const NodeId banned = NodeId::Random(gen_);
  node_->guard().Penalize({.id = banned}, abuse::Offense::kTamperedData, "x");
  ASSERT_TRUE(node_->guard().IsBanned(banned));
  // peer-manager may not know of the ban yet: GetPeers leaves it out.
  pm_->SetPeers({PmPeer("10.0.0.1:8000", 100, banned.ToHex()),
                 PmPeer("10.0.0.2:8000", 200)});
  p2p::v1::GetPeersResponse peers;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::GetPeers, p2p::v1::GetPeersRequest(),
                   &peers)
                  .ok());
  ASSERT_EQ(peers.peers_size(), 1);
  EXPECT_EQ(peers.peers(0).host(), "10.0.0.2");
  // A shared entry naming it is ignored, not merged.
  p2p::v1::SharePeersRequest share;
  *share.add_peers() = PeerEntryToProto(
      PeerEntry{.host = "10.0.0.1", .port = 8000, .node_id = banned});
  *share.add_peers() = PeerEntryToProto({.host = "10.0.0.3", .port = 8000});
  p2p::v1::SharePeersResponse shared;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::SharePeers, share, &shared).ok());
  EXPECT_EQ(shared.ignored(), 1u);
  ASSERT_EQ(pm_->merge_requests().size(), 1u);
  ASSERT_EQ(pm_->merge_requests()[0].peers_size(), 1);
  EXPECT_EQ(pm_->merge_requests()[0].peers(0).address(), "10.0.0.3:8000");
}

TEST_F(P2pServiceTest, AnOversizedSharePeersIsChargedToTheSender) {
  p2p::v1::SharePeersRequest too_many;
  for (int i = 0; i < 101; ++i) {
    *too_many.add_peers() = PeerEntryToProto({.host = "10.0.0.1", .port = 1});
  }
  p2p::v1::SharePeersResponse resp;
  // A protocol violation costs 25 points: the fourth bans.
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(
        Call(&PeerProtocol::Stub::SharePeers, too_many, &resp).error_code(),
        grpc::StatusCode::RESOURCE_EXHAUSTED)
        << i;
  }
  EXPECT_TRUE(node_->guard().IsBanned(me_.id));
  p2p::v1::PingResponse pong;
  EXPECT_EQ(
      Call(&PeerProtocol::Stub::Ping, p2p::v1::PingRequest(), &pong)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(P2pServiceTest, PeerExchangeIsUnavailableWhenPeerManagerHangs) {
  absl::StatusOr<std::unique_ptr<SilentPeer>> hung = SilentPeer::Start();
  ASSERT_TRUE(hung.ok());
  std::unique_ptr<TestNode> node =
      StartNode({.peer_manager_address = (*hung)->address(),
                 .peer_manager_timeout = absl::Milliseconds(300)});
  auto stub = StubAs(node->address(), &my_key_);
  p2p::v1::GetPeersResponse peers;
  const absl::Time start = absl::Now();
  EXPECT_EQ(Call(stub.get(), &PeerProtocol::Stub::GetPeers,
                 p2p::v1::GetPeersRequest(), &peers, &me_)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a hung peer-manager: the call's deadline passes";
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  p2p::v1::SharePeersRequest share;
  *share.add_peers() = PeerEntryToProto({.host = "10.0.0.1", .port = 8000});
  p2p::v1::SharePeersResponse shared;
  EXPECT_EQ(
      Call(stub.get(), &PeerProtocol::Stub::SharePeers, share, &shared, &me_)
          .error_code(),
      grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(node->stats().Snapshot().of(P2pMethod::kSharePeers),
            (RpcCounts{.inbound = 1, .inbound_errors = 1}));
}

}  // namespace
}  // namespace datamgmt::dht
