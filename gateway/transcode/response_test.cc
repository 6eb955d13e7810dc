#include <string>

#include "datamgmt/dht/v1/dht.pb.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "gateway/transcode/internal/test_services.h"
#include "gateway/transcode/transcoder.h"
#include "gtest/gtest.h"
#include "testdata/transcode_testdata.pb.h"

namespace datamgmt::gateway::transcode {
namespace {

using testing::RealRoutes;
using testing::RouteOf;
using testing::TestdataRoutes;

Rendered Render(const Route& route, const google::protobuf::Message& m) {
  absl::StatusOr<Rendered> r = RenderResponse(route, m);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Rendered{};
}

TEST(RenderResponseTest, NetworkStatsIsExactlyTheSeedShape) {
  dht::v1::NetworkStats stats;
  stats.set_total_peers(15);
  stats.set_healthy_peers(12);
  stats.set_data_sent(10485760);
  stats.set_data_received(5242880);
  stats.set_uptime(86400);
  const Rendered r = Render(
      RouteOf(RealRoutes(), "datamgmt.dht.v1.DhtService.GetNetworkStats"),
      stats);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"total_peers":15,"healthy_peers":12,"data_sent":10485760,)"
            R"("data_received":5242880,"uptime":86400})");
}

// The seed's known_peers.json fields come first, with their shapes; the
// fields peer-manager adds (node_id, healthy, success_rate, last_rtt, and
// the standing: banned, banned_until, ban_reason, score) follow.
TEST(RenderResponseTest, ListPeersHasNumbersInPeersAndADuration) {
  peers::v1::ListPeersResponse list;
  peers::v1::Peer* peer = list.add_peers();
  peer->set_address("10.0.0.7:8000");
  peer->set_host("10.0.0.7");
  peer->set_port(8000);
  peer->set_last_seen(1700000000.25);
  peer->set_success_count(9);
  peer->set_failure_count(1);
  peer->set_node_id(std::string(64, 'f'));
  peer->set_healthy(true);
  peer->set_success_rate(0.9);
  peer->mutable_last_rtt()->set_nanos(5000000);
  peer->set_score(-12.5);
  peers::v1::Peer* banned = list.add_peers();
  banned->set_address("new:1");  // No last_rtt yet.
  banned->set_banned(true);
  banned->set_banned_until(1700003600.5);
  banned->set_ban_reason("tampered data");
  const Rendered r = Render(
      RouteOf(RealRoutes(), "datamgmt.peers.v1.PeerManager.ListPeers"), list);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            R"({"peers":[{"address":"10.0.0.7:8000","host":"10.0.0.7",)"
            R"("port":8000,"last_seen":1700000000.25,"success_count":9,)"
            R"("failure_count":1,"node_id":")" +
                std::string(64, 'f') +
                R"(","healthy":true,"success_rate":0.9,"last_rtt":"0.005s",)"
                R"("banned":false,"banned_until":0,"ban_reason":"",)"
                R"("score":-12.5},)"
                R"({"address":"new:1","host":"","port":0,"last_seen":0,)"
                R"("success_count":0,"failure_count":0,"node_id":"",)"
                R"("healthy":false,"success_rate":0,"banned":true,)"
                R"("banned_until":1700003600.5,"ban_reason":"tampered data",)"
                R"("score":0}]})");
  EXPECT_EQ(Render(RouteOf(RealRoutes(),
                           "datamgmt.peers.v1.PeerManager.ListPeers"),
                   peers::v1::ListPeersResponse())
                .body,
            R"({"peers":[]})");
}

TEST(RenderResponseTest, PutDataResponseSizeIsANumber) {
  dht::v1::PutDataResponse put;
  put.set_hash(std::string(64, '0'));
  put.set_size(1048576);
  put.set_replicas(3);
  EXPECT_EQ(
      Render(RouteOf(RealRoutes(), "datamgmt.dht.v1.DhtService.PutData"), put)
          .body,
      R"({"hash":")" + std::string(64, '0') +
          R"(","size":1048576,"replicas":3})");
}

TEST(RenderResponseTest, MessagesWithoutTheOptionKeepInt64Strings) {
  dht::v1::DhtStats stats;
  stats.set_bytes_sent(5);
  const Rendered r = Render(
      RouteOf(RealRoutes(), "datamgmt.dht.v1.DhtService.GetDhtStats"), stats);
  EXPECT_NE(r.body.find(R"("bytes_sent":"5")"), std::string::npos) << r.body;
}

TEST(RenderResponseTest, GetDataAnswersWithTheRawBytes) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  dht::v1::GetDataResponse get;
  get.set_data(bytes);
  get.set_hash("h");
  get.set_size(256);
  const Rendered r = Render(
      RouteOf(RealRoutes(), "datamgmt.dht.v1.DhtService.GetData"), get);
  EXPECT_EQ(r.content_type, "application/octet-stream");
  EXPECT_EQ(r.body, bytes);
}

TEST(RenderResponseTest, ResponseBodyFieldsThatAreNotBytesAreJson) {
  testdata::Blob blob;
  blob.add_labels("a<b");
  blob.add_labels("c");
  (*blob.mutable_counts())["x"] = 5;
  const Rendered labels = Render(
      RouteOf(TestdataRoutes(),
              "datamgmt.gateway.transcode.testdata.Library.GetBlobLabels"),
      blob);
  EXPECT_EQ(labels.content_type, "application/json");
  EXPECT_EQ(labels.body, R"(["a\u003cb","c"])");
  EXPECT_EQ(Render(RouteOf(TestdataRoutes(),
                           "datamgmt.gateway.transcode.testdata.Library."
                           "GetBlobCounts"),
                   blob)
                .body,
            R"({"x":"5"})");
}

TEST(RenderResponseTest, WrongResponseTypeIsInternal) {
  EXPECT_EQ(RenderResponse(RouteOf(RealRoutes(),
                                   "datamgmt.dht.v1.DhtService.GetData"),
                           dht::v1::NetworkStats())
                .status()
                .code(),
            absl::StatusCode::kInternal);
}

TEST(RenderResponseTest, UnrepresentableValueIsInternal) {
  peers::v1::Peer peer;
  peer.mutable_last_rtt()->set_seconds(315576000001);
  EXPECT_EQ(RenderResponse(RouteOf(RealRoutes(),
                                   "datamgmt.peers.v1.PeerManager.GetPeer"),
                           peer)
                .status()
                .code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace datamgmt::gateway::transcode
