// The local API of small networks of whole nodes: the streaming RPCs, the
// statistics and PeerDialer.
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/crypto/sha256.h"
#include "common/time/clock.h"
#include "services/dht/dht_network_fixture.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

std::string RandomBytes(std::mt19937_64& gen, size_t n) {
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen());
  return out;
}

// PutDataStream with the given messages; returns the status.
grpc::Status PutStream(dht::v1::DhtService::Stub& stub,
                       const std::vector<dht::v1::PutDataStreamRequest>& msgs,
                       dht::v1::PutDataResponse* out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto writer = stub.PutDataStream(&ctx, out);
  for (const auto& m : msgs) {
    if (!writer->Write(m)) break;  // the server ended the call early
  }
  writer->WritesDone();
  return writer->Finish();
}

std::vector<dht::v1::PutDataStreamRequest> Chunks(const std::string& object,
                                                  size_t chunk) {
  std::vector<dht::v1::PutDataStreamRequest> out;
  for (size_t at = 0; at < object.size(); at += chunk) {
    out.emplace_back().set_chunk(object.substr(at, chunk));
  }
  return out;
}

TEST_F(DhtNetworkTest, StreamsRoundTripAOneMebibyteObjectIn64KiBChunks) {
  Build(4);
  const std::string object = RandomBytes(gen_, 1 << 20);
  const std::string hash = NodeId(crypto::Sha256(object)).ToHex();
  std::vector<dht::v1::PutDataStreamRequest> msgs = Chunks(object, 64 << 10);
  ASSERT_EQ(msgs.size(), 16u);
  msgs[0].set_total_size(object.size());
  msgs[0].set_expected_hash(hash);
  dht::v1::PutDataResponse put;
  grpc::Status status = PutStream(*Api(1), msgs, &put);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(put.hash(), hash);
  EXPECT_EQ(put.size(), object.size());
  EXPECT_EQ(put.replicas(), 4u);

  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  dht::v1::GetDataStreamRequest req;
  req.set_hash(hash);
  auto reader = Api(3)->GetDataStream(&ctx, req);
  dht::v1::GetDataStreamResponse msg;
  std::string received;
  int messages = 0;
  while (reader->Read(&msg)) {
    EXPECT_EQ(msg.offset(), received.size());
    EXPECT_EQ(msg.chunk().size(), 64u << 10);
    if (messages++ == 0) {
      EXPECT_EQ(msg.total_size(), object.size());
      EXPECT_EQ(msg.hash(), hash);
    } else {
      EXPECT_EQ(msg.total_size(), 0u);
      EXPECT_TRUE(msg.hash().empty());
    }
    received += msg.chunk();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(messages, 16);
  EXPECT_EQ(received, object);
}

TEST_F(DhtNetworkTest, StreamsRejectBadChunksAndStoreNothing) {
  Build(3);
  auto api = Api(0);
  dht::v1::PutDataResponse put;
  // A 65 KiB chunk.
  EXPECT_EQ(PutStream(*api, Chunks(std::string(65 << 10, 'a'), 65 << 10), &put)
                .error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Over the object limit, announced or actual.
  std::vector<dht::v1::PutDataStreamRequest> big =
      Chunks(std::string(64 << 10, 'b'), 64 << 10);
  big[0].set_total_size((1 << 20) + 1);
  EXPECT_EQ(PutStream(*api, big, &put).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(
      PutStream(*api, Chunks(std::string((1 << 20) + 10, 'c'), 64 << 10), &put)
          .error_code(),
      grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Malformed: nothing sent, an empty chunk, a wrong hash or size, metadata
  // on a later message.
  EXPECT_EQ(PutStream(*api, {}, &put).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<dht::v1::PutDataStreamRequest> empty = Chunks("abc", 3);
  empty.emplace_back();
  EXPECT_EQ(PutStream(*api, empty, &put).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<dht::v1::PutDataStreamRequest> wrong_hash = Chunks("abcd", 2);
  wrong_hash[0].set_expected_hash(NodeId(crypto::Sha256("other")).ToHex());
  EXPECT_EQ(PutStream(*api, wrong_hash, &put).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<dht::v1::PutDataStreamRequest> wrong_size = Chunks("abcd", 2);
  wrong_size[0].set_total_size(5);
  EXPECT_EQ(PutStream(*api, wrong_size, &put).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  std::vector<dht::v1::PutDataStreamRequest> late = Chunks("abcd", 2);
  late[1].set_total_size(4);
  EXPECT_EQ(PutStream(*api, late, &put).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(KeysEverywhere(), 0u);

  // GetDataStream reports errors before any message.
  for (const auto& [hash, code] :
       std::vector<std::pair<std::string, grpc::StatusCode>>{
           {"xyz", grpc::StatusCode::INVALID_ARGUMENT},
           {NodeId::Random(gen_).ToHex(), grpc::StatusCode::NOT_FOUND}}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    dht::v1::GetDataStreamRequest req;
    req.set_hash(hash);
    auto reader = api->GetDataStream(&ctx, req);
    dht::v1::GetDataStreamResponse msg;
    EXPECT_FALSE(reader->Read(&msg));
    EXPECT_EQ(reader->Finish().error_code(), code);
  }
}

TEST_F(DhtNetworkTest, NetworkStatsComeFromPeerManagerAndTheNode) {
  absl::StatusOr<std::unique_ptr<FakePeerManager>> pm =
      FakePeerManager::Start();
  ASSERT_TRUE(pm.ok());
  peers::v1::PeerStats peer_stats;
  peer_stats.set_total_peers(15);
  peer_stats.set_healthy_peers(12);
  (*pm)->SetStats(peer_stats);
  TestNodeOptions options;
  options.clock = &clock_;
  options.peer_manager_address = (*pm)->address();
  Build(3, options);
  clock_.Advance(absl::Hours(24));

  dht::v1::NetworkStats stats;
  ASSERT_TRUE(Call(*Api(1), &DhtService::Stub::GetNetworkStats,
                   dht::v1::GetNetworkStatsRequest(), &stats)
                  .ok());
  EXPECT_EQ(stats.total_peers(), 15u);
  EXPECT_EQ(stats.healthy_peers(), 12u);
  EXPECT_EQ(stats.uptime(), 86400u);
  EXPECT_EQ(stats.data_sent(), nodes_[1]->stats().bytes_sent());
  EXPECT_EQ(stats.data_received(), nodes_[1]->stats().bytes_received());
  EXPECT_GT(stats.data_sent(), 0u);

  dht::v1::DhtStats dht_stats;
  ASSERT_TRUE(Call(*Api(1), &DhtService::Stub::GetDhtStats,
                   dht::v1::GetDhtStatsRequest(), &dht_stats)
                  .ok());
  EXPECT_EQ(dht_stats.node_id(), ids_[1].ToHex());
  EXPECT_EQ(dht_stats.advertised_address(), nodes_[1]->address());
  EXPECT_EQ(dht_stats.start_time().seconds(), 1'700'000'000);
  EXPECT_EQ(dht_stats.routing_table_size(), 2u);
  EXPECT_GE(dht_stats.routing_table_buckets(), 1u);
  EXPECT_EQ(dht_stats.rpcs().size(), 6u);
  EXPECT_GE(dht_stats.rpcs().at("Ping").outbound(), 1u);
  EXPECT_EQ(dht_stats.stored_keys(), 0u);

  // Counts are reused for up to peer_counts_max_age (1 s), then asked again.
  peer_stats.set_total_peers(20);
  (*pm)->SetStats(peer_stats);
  ASSERT_TRUE(Call(*Api(1), &DhtService::Stub::GetNetworkStats,
                   dht::v1::GetNetworkStatsRequest(), &stats)
                  .ok());
  EXPECT_EQ(stats.total_peers(), 15u);
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(Call(*Api(1), &DhtService::Stub::GetNetworkStats,
                   dht::v1::GetNetworkStatsRequest(), &stats)
                  .ok());
  EXPECT_EQ(stats.total_peers(), 20u);
  EXPECT_EQ(stats.uptime(), 86401u);

  // peer-manager gone: UNAVAILABLE once the counts are stale, no partial
  // answer.
  pm->reset();
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Call(*Api(1), &DhtService::Stub::GetNetworkStats,
                 dht::v1::GetNetworkStatsRequest(), &stats)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(DhtNetworkTest, PeerDialerPingsAndExchanges) {
  absl::StatusOr<std::unique_ptr<FakePeerManager>> pm =
      FakePeerManager::Start();
  ASSERT_TRUE(pm.ok());
  peers::v1::Peer known;
  known.set_address("10.1.2.3:8000");
  known.set_last_seen(1'700'000'000);
  (*pm)->SetPeers({known});
  TestNodeOptions options;
  options.peer_manager_address = (*pm)->address();
  Build(2, options);
  auto dialer = Dialer(0);

  dht::v1::PingPeerRequest ping;
  dht::v1::PingPeerResponse pong;
  ping.set_address(nodes_[0]->address());
  ASSERT_TRUE(Call(*dialer, &PeerDialer::Stub::PingPeer, ping, &pong).ok());
  EXPECT_TRUE(pong.is_self());
  EXPECT_FALSE(pong.success());
  EXPECT_EQ(pong.error().code(), grpc::StatusCode::FAILED_PRECONDITION);
  ping.set_address("not an address");
  EXPECT_EQ(
      Call(*dialer, &PeerDialer::Stub::PingPeer, ping, &pong).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  absl::StatusOr<std::unique_ptr<SilentPeer>> silent = SilentPeer::Start();
  ASSERT_TRUE(silent.ok());
  ping.set_address((*silent)->address());
  ping.mutable_timeout()->set_nanos(200'000'000);
  pong.Clear();
  ASSERT_TRUE(Call(*dialer, &PeerDialer::Stub::PingPeer, ping, &pong).ok());
  EXPECT_FALSE(pong.success());
  EXPECT_EQ(pong.error().code(), grpc::StatusCode::DEADLINE_EXCEEDED);

  dht::v1::ExchangePeersRequest exchange;
  exchange.set_address(nodes_[1]->address());
  exchange.add_share()->set_address("10.9.9.9:8000");
  exchange.add_share()->set_address(nodes_[1]->address());  // the remote
  exchange.add_share()->set_address("bad");
  dht::v1::ExchangePeersResponse exchanged;
  ASSERT_TRUE(
      Call(*dialer, &PeerDialer::Stub::ExchangePeers, exchange, &exchanged)
          .ok());
  EXPECT_TRUE(exchanged.success()) << exchanged.error().message();
  EXPECT_EQ(exchanged.node_id(), ids_[1].ToHex());
  ASSERT_EQ(exchanged.received_size(), 1);
  EXPECT_EQ(exchanged.received(0).address(), "10.1.2.3:8000");
  EXPECT_EQ(exchanged.remote_added(), 1u) << "only the well-formed third party";
  for (int i = 0; i < 101; ++i) exchange.add_share()->set_address("10.0.0.1:1");
  EXPECT_EQ(
      Call(*dialer, &PeerDialer::Stub::ExchangePeers, exchange, &exchanged)
          .error_code(),
      grpc::StatusCode::RESOURCE_EXHAUSTED);
}

}  // namespace
}  // namespace datamgmt::dht
