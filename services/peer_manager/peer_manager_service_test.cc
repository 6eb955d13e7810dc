// PeerManager's contract over real gRPC on loopback, and known_peers.json
// across restarts. Time is a FakeClock; nothing sleeps.
#include <fstream>
#include <sstream>

#include "gtest/gtest.h"
#include "services/peer_manager/known_peers_file.h"
#include "services/peer_manager/peer_manager_test_fixture.h"

namespace datamgmt::peer_manager {
namespace {

using peers::v1::Peer;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class PeerManagerServiceTest : public PeerManagerFixture {};

TEST_F(PeerManagerServiceTest, AddPeerAnswersAndWritesTheSeedFormat) {
  StartNode(Options());
  Peer peer;
  ASSERT_TRUE(AddPeer("192.168.1.10:8000", Hex('A'), &peer).ok());
  EXPECT_EQ(peer.address(), "192.168.1.10:8000");
  EXPECT_EQ(peer.host(), "192.168.1.10");
  EXPECT_EQ(peer.port(), 8000u);
  EXPECT_DOUBLE_EQ(peer.last_seen(), 1705312200.0);
  EXPECT_EQ(peer.node_id(), Hex('a'));
  EXPECT_TRUE(peer.healthy());
  EXPECT_EQ(peer.success_rate(), 0.0);

  // Written before AddPeer returned, without any driver tick.
  absl::StatusOr<KnownPeers> file = LoadKnownPeersFile(KnownPeersPath());
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->count("192.168.1.10:8000"), 1u);
  const KnownPeerEntry& e = file->at("192.168.1.10:8000");
  EXPECT_EQ(e.host, "192.168.1.10");
  EXPECT_EQ(e.port, 8000);
  EXPECT_DOUBLE_EQ(e.last_seen, 1705312200.0);
  EXPECT_EQ(e.success_count, 0);
  EXPECT_EQ(e.failure_count, 0);
  const std::string text = ReadFile(KnownPeersPath());
  for (const char* field : {"\"host\"", "\"port\"", "\"last_seen\"",
                            "\"success_count\"", "\"failure_count\""}) {
    EXPECT_NE(text.find(field), std::string::npos) << field << "\n" << text;
  }
}

TEST_F(PeerManagerServiceTest, AddPeerErrors) {
  PeerManagerNodeOptions options = Options();
  options.store.table.max_peers = 1;
  StartNode(options);
  EXPECT_EQ(AddPeer("no-port").error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(AddPeer("0.0.0.0:8000").error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(AddPeer("10.0.0.1:8000", "abc").error_code(),
            grpc::INVALID_ARGUMENT);
  ASSERT_TRUE(AddPeer("10.0.0.1:8000").ok());
  EXPECT_EQ(AddPeer("10.0.0.1:8000").error_code(), grpc::ALREADY_EXISTS);
  EXPECT_EQ(AddPeer("10.0.0.2:8000").error_code(), grpc::RESOURCE_EXHAUSTED);
}

TEST_F(PeerManagerServiceTest, GetPeerAndStats) {
  StartNode(Options());
  ASSERT_TRUE(AddPeer("Node1.Example:8000").ok());
  peers::v1::GetPeerRequest req;
  req.set_address("node1.example:8000");
  Peer peer;
  ASSERT_TRUE(stub_->GetPeer(Ctx().get(), req, &peer).ok());
  EXPECT_EQ(peer.host(), "node1.example");
  req.set_address("node2.example:8000");
  EXPECT_EQ(stub_->GetPeer(Ctx().get(), req, &peer).error_code(),
            grpc::NOT_FOUND);
  req.set_address("stats");
  EXPECT_EQ(stub_->GetPeer(Ctx().get(), req, &peer).error_code(),
            grpc::INVALID_ARGUMENT);
  peers::v1::PeerStats stats;
  ASSERT_TRUE(
      stub_->GetPeerStats(Ctx().get(), peers::v1::GetPeerStatsRequest(), &stats)
          .ok());
  EXPECT_EQ(stats.total_peers(), 1u);
  EXPECT_EQ(stats.healthy_peers(), 1u);
}

TEST_F(PeerManagerServiceTest, RemovePeerContract) {
  StartNode(Options());
  ASSERT_TRUE(AddPeer("10.0.0.1:8000").ok());
  EXPECT_EQ(RemovePeer("bad").error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(RemovePeer("10.0.0.9:8000").error_code(), grpc::NOT_FOUND);
  // last_seen is 1705312200: not earlier than itself.
  EXPECT_EQ(RemovePeer("10.0.0.1:8000", 1705312200.0).error_code(),
            grpc::FAILED_PRECONDITION);
  EXPECT_EQ(ListAddresses().size(), 1u);
  ASSERT_TRUE(RemovePeer("10.0.0.1:8000", 1705312200.5).ok());
  EXPECT_TRUE(ListAddresses().empty());
  absl::StatusOr<KnownPeers> file = LoadKnownPeersFile(KnownPeersPath());
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(file->empty());  // written before RemovePeer returned
}

TEST_F(PeerManagerServiceTest, RecordContactsAndHealthyFilter) {
  StartNode(Options());
  ASSERT_TRUE(AddPeer("10.0.0.1:8000").ok());
  peers::v1::RecordContactsRequest req;
  auto* ok = req.add_results();
  ok->set_address("10.0.0.2:8000");  // unknown success: added
  ok->set_success(true);
  ok->set_node_id(Hex('b'));
  ok->mutable_rtt()->set_nanos(5'000'000);
  for (int i = 0; i < 5; ++i) {  // known failures: applied
    req.add_results()->set_address("10.0.0.1:8000");
  }
  req.add_results()->set_address("10.0.0.3:8000");  // unknown failure
  req.add_results()->set_address("garbage");        // malformed
  peers::v1::RecordContactsResponse resp;
  ASSERT_TRUE(stub_->RecordContacts(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.applied(), 5u);
  EXPECT_EQ(resp.added(), 1u);
  EXPECT_EQ(resp.ignored(), 2u);

  EXPECT_EQ(ListAddresses(),
            (std::vector<std::string>{"10.0.0.1:8000", "10.0.0.2:8000"}));
  EXPECT_EQ(ListAddresses(/*healthy=*/true),
            std::vector<std::string>{"10.0.0.2:8000"});
  peers::v1::GetPeerRequest get;
  get.set_address("10.0.0.2:8000");
  Peer peer;
  ASSERT_TRUE(stub_->GetPeer(Ctx().get(), get, &peer).ok());
  EXPECT_EQ(peer.success_count(), 1u);
  EXPECT_EQ(peer.success_rate(), 1.0);
  EXPECT_EQ(peer.node_id(), Hex('b'));
  EXPECT_EQ(peer.last_rtt().nanos(), 5'000'000);

  // Batched: on disk within 10 s (the driver's save), not at once.
  EXPECT_EQ(LoadKnownPeersFile(KnownPeersPath())->count("10.0.0.2:8000"), 0u);
  clock_.Advance(absl::Seconds(10));
  node_->driver().Tick(clock_.Now());
  EXPECT_EQ(LoadKnownPeersFile(KnownPeersPath())->count("10.0.0.2:8000"), 1u);

  peers::v1::RecordContactsRequest big;
  for (int i = 0; i < 1001; ++i)
    big.add_results()->set_address("10.0.0.1:8000");
  EXPECT_EQ(stub_->RecordContacts(Ctx().get(), big, &resp).error_code(),
            grpc::RESOURCE_EXHAUSTED);
}

TEST_F(PeerManagerServiceTest, MergePeersContract) {
  StartNode(Options());
  ASSERT_TRUE(AddPeer("10.0.0.1:8000").ok());
  peers::v1::MergePeersRequest req;
  req.add_peers()->set_address("10.0.0.1:8000");  // known: neither count
  req.add_peers()->set_address("10.0.0.2:8000");  // added
  req.add_peers()->set_address("nope");           // malformed
  auto* stale = req.add_peers();
  stale->set_address("10.0.0.4:8000");
  stale->set_last_seen(1705312200.0 - 2 * 3600);  // older than prune age
  peers::v1::MergePeersResponse resp;
  ASSERT_TRUE(stub_->MergePeers(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.added(), 1u);
  EXPECT_EQ(resp.ignored(), 2u);
  EXPECT_EQ(ListAddresses().size(), 2u);

  peers::v1::MergePeersRequest big;
  for (int i = 0; i < 1001; ++i) big.add_peers()->set_address("10.0.0.9:8000");
  EXPECT_EQ(stub_->MergePeers(Ctx().get(), big, &resp).error_code(),
            grpc::RESOURCE_EXHAUSTED);
}

TEST_F(PeerManagerServiceTest, RestartReloadsKnownPeers) {
  StartNode(Options());
  ASSERT_TRUE(AddPeer("10.0.0.1:8000", Hex('c')).ok());
  StopNode();
  StartNode(Options());
  peers::v1::GetPeerRequest req;
  req.set_address("10.0.0.1:8000");
  Peer peer;
  ASSERT_TRUE(stub_->GetPeer(Ctx().get(), req, &peer).ok());
  EXPECT_EQ(peer.node_id(), Hex('c'));
}

TEST_F(PeerManagerServiceTest, CorruptFileIsMovedAsideAndBootstrapUsed) {
  std::filesystem::create_directories(dir_);
  const std::string corrupt = "{\"10.0.0.1:8000\": {\"host\": ";
  std::ofstream(KnownPeersPath()) << corrupt;
  dialer_.SetAnswer("10.0.0.7:8000", {.node_id = Hex('7')});
  StartNode(Options("10.0.0.7:8000"));

  int backups = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("known_peers.json.corrupt-", 0) == 0) {
      ++backups;
      EXPECT_EQ(ReadFile(entry.path().string()), corrupt);
    }
  }
  EXPECT_EQ(backups, 1);
  EXPECT_TRUE(ListAddresses().empty());

  node_->driver().Tick(clock_.Now());
  EXPECT_EQ(ListAddresses(), std::vector<std::string>{"10.0.0.7:8000"});
}

}  // namespace
}  // namespace datamgmt::peer_manager
