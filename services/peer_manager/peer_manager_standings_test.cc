// ReportPeerStandings over real gRPC: dht-service's bans show in ListPeers
// and GetPeer, banned peers are not healthy, not counted healthy and not
// shared in peer exchange, and a ban ends at its time. FakeClock; nothing
// sleeps.
#include <algorithm>
#include <string>
#include <vector>

#include "common/proto/proto_time.h"
#include "gtest/gtest.h"
#include "services/peer_manager/peer_manager_test_fixture.h"

namespace datamgmt::peer_manager {
namespace {

class PeerManagerStandingsTest : public PeerManagerFixture {
 protected:
  void Tick() { node_->driver().Tick(clock_.Now()); }

  grpc::Status Report(std::vector<peers::v1::PeerStanding> standings) {
    peers::v1::ReportPeerStandingsRequest req;
    for (auto& s : standings) *req.add_standings() = std::move(s);
    peers::v1::ReportPeerStandingsResponse resp;
    return stub_->ReportPeerStandings(Ctx().get(), req, &resp);
  }

  peers::v1::PeerStanding Ban(const std::string& address,
                              const std::string& node_id,
                              absl::Duration for_how_long) {
    peers::v1::PeerStanding s;
    s.set_address(address);
    s.set_node_id(node_id);
    *s.mutable_banned_until() = ToProtoTimestamp(clock_.Now() + for_how_long);
    s.set_ban_reason("tampered data: FindValue value does not hash to its key");
    return s;
  }

  peers::v1::ListPeersResponse List(bool healthy = false) {
    peers::v1::ListPeersRequest req;
    req.set_healthy(healthy);
    peers::v1::ListPeersResponse resp;
    EXPECT_TRUE(stub_->ListPeers(Ctx().get(), req, &resp).ok());
    return resp;
  }

  peers::v1::PeerStats Stats() {
    peers::v1::PeerStats stats;
    const peers::v1::GetPeerStatsRequest req;
    EXPECT_TRUE(stub_->GetPeerStats(Ctx().get(), req, &stats).ok());
    return stats;
  }
};

TEST_F(PeerManagerStandingsTest, BannedPeersShowInTheApiAndAreNotHealthy) {
  StartNode(Options());
  ASSERT_TRUE(AddPeer("10.0.0.1:8000", Hex('a')).ok());
  ASSERT_TRUE(AddPeer("10.0.0.2:8000", Hex('b')).ok());
  peers::v1::PeerStanding suspect;
  suspect.set_node_id(Hex('b'));
  suspect.set_score(-30);
  ASSERT_TRUE(
      Report({Ban("", Hex('a'), absl::Hours(1)), suspect,
              Ban("10.0.0.9:8000", Hex('9'), absl::Hours(1))})
          .ok());

  peers::v1::ListPeersResponse all = List();
  ASSERT_EQ(all.peers_size(), 3);
  const peers::v1::Peer& banned = all.peers(0);
  EXPECT_EQ(banned.address(), "10.0.0.1:8000");
  EXPECT_TRUE(banned.banned());
  EXPECT_FALSE(banned.healthy());
  EXPECT_DOUBLE_EQ(banned.banned_until(),
                   absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
  EXPECT_EQ(banned.ban_reason(),
            "tampered data: FindValue value does not hash to its key");
  EXPECT_EQ(banned.score(), 0);
  const peers::v1::Peer& watched = all.peers(1);
  EXPECT_FALSE(watched.banned());
  EXPECT_TRUE(watched.healthy());
  EXPECT_EQ(watched.score(), -30);
  // A banned address peer-manager never knew is listed too.
  const peers::v1::Peer& unknown = all.peers(2);
  EXPECT_EQ(unknown.address(), "10.0.0.9:8000");
  EXPECT_EQ(unknown.node_id(), Hex('9'));
  EXPECT_TRUE(unknown.banned());
  EXPECT_FALSE(unknown.healthy());

  EXPECT_EQ(ListAddresses(/*healthy=*/true),
            std::vector<std::string>{"10.0.0.2:8000"});
  EXPECT_EQ(Stats().total_peers(), 2u);
  EXPECT_EQ(Stats().healthy_peers(), 1u);
  peers::v1::GetPeerRequest get;
  get.set_address("10.0.0.1:8000");
  peers::v1::Peer one;
  ASSERT_TRUE(stub_->GetPeer(Ctx().get(), get, &one).ok());
  EXPECT_TRUE(one.banned());

  // The ban ends at its time, without a new report.
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Stats().healthy_peers(), 2u);
  EXPECT_FALSE(List().peers(0).banned());
  EXPECT_EQ(List().peers_size(), 2);
}

TEST_F(PeerManagerStandingsTest, BannedPeersAreNotSharedInPeerExchange) {
  const std::string kBoot = "10.0.0.1:8000";
  const std::string kBad = "10.0.0.2:8000";
  const std::string kGood = "10.0.0.3:8000";
  dialer_.SetAnswer(kBoot, {.node_id = Hex('1')});
  dialer_.SetAnswer(kBad, {.node_id = Hex('2')});
  dialer_.SetAnswer(kGood, {.node_id = Hex('3')});
  StartNode(Options(kBoot));
  ASSERT_TRUE(AddPeer(kBad, Hex('2')).ok());
  ASSERT_TRUE(AddPeer(kGood, Hex('3')).ok());
  ASSERT_TRUE(Report({Ban(kBad, Hex('2'), absl::Hours(2))}).ok());
  Tick();  // bootstrap and the first exchange
  clock_.Advance(absl::Minutes(5));
  Tick();
  EXPECT_EQ(dialer_.exchanges(kBad), 0) << "a banned peer is not asked";
  ASSERT_FALSE(dialer_.shared(kBoot).empty());
  for (const std::vector<std::string>& share : dialer_.shared(kBoot)) {
    EXPECT_EQ(std::count(share.begin(), share.end(), kBad), 0);
    EXPECT_EQ(std::count(share.begin(), share.end(), kGood), 1);
  }
}

TEST_F(PeerManagerStandingsTest, ReportsAreCappedAndReplaceEachOther) {
  StartNode(Options());
  ASSERT_TRUE(AddPeer("10.0.0.1:8000", Hex('a')).ok());
  std::vector<peers::v1::PeerStanding> too_many(
      1001, Ban("", Hex('a'), absl::Hours(1)));
  EXPECT_EQ(Report(too_many).error_code(), grpc::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(List().peers(0).banned());
  ASSERT_TRUE(Report({Ban("", Hex('a'), absl::Hours(1))}).ok());
  EXPECT_TRUE(List().peers(0).banned());
  ASSERT_TRUE(Report({}).ok());
  EXPECT_FALSE(List().peers(0).banned());
}

}  // namespace
}  // namespace datamgmt::peer_manager
