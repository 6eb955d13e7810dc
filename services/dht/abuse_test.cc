// Abuse resistance of a whole dht-service node (DhtNode on real gRPC
// servers, loopback): a flooding peer is throttled, then banned; a peer
// serving a tampered value is banned by the reader, whose read still
// returns the genuine value from an honest node; bans show in DhtStats and
// reach peer-manager; one address range cannot fill a bucket.
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto/sha256.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/test_node.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::NodeId;
using p2p::v1::PeerProtocol;

class AbuseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    absl::StatusOr<std::unique_ptr<FakePeerManager>> pm =
        FakePeerManager::Start();
    ASSERT_TRUE(pm.ok()) << pm.status();
    pm_ = *std::move(pm);
  }

  // A node with a seeded key. The flooding and malformed-request tests run
  // it with plaintext P2P (`insecure`) so that one test client can claim any
  // sender ID; the binding of IDs to certificates is tested in
  // p2p_service_test and grpc_peer_client_test.
  std::unique_ptr<TestNode> StartNode(TestNodeOptions options = {},
                                      bool insecure = true) {
    options.key = TestKey(gen_);
    options.p2p_insecure = insecure;
    options.dir = absl::StrCat(dir_, "/node", ++nodes_);
    options.peer_manager_address = pm_->address();
    absl::StatusOr<std::unique_ptr<TestNode>> node =
        TestNode::Start(std::move(options));
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  static std::unique_ptr<PeerProtocol::Stub> P2p(const TestNode& node) {
    return PeerProtocol::NewStub(grpc::CreateChannel(
        node.address(), grpc::InsecureChannelCredentials()));
  }

  // One Ping from `sender` on `stub`, with a 5 s deadline.
  static grpc::Status Ping(PeerProtocol::Stub& stub, const Contact& sender) {
    p2p::v1::PingRequest req;
    *req.mutable_sender() = ContactToProto(sender);
    p2p::v1::PingResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    return stub.Ping(&ctx, req, &resp);
  }

  // The node's DhtStats through its local API.
  static dht::v1::DhtStats Stats(const TestNode& node) {
    auto stub = dht::v1::DhtService::NewStub(grpc::CreateChannel(
        node.api_address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    dht::v1::DhtStats stats;
    EXPECT_TRUE(
        stub->GetDhtStats(&ctx, dht::v1::GetDhtStatsRequest(), &stats).ok());
    return stats;
  }

  // Polls (10 s at most) until peer-manager got a report banning `id`, and
  // returns that standing.
  std::optional<peers::v1::PeerStanding> ReportedBan(const NodeId& id) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      for (const auto& report : pm_->standing_reports()) {
        for (const peers::v1::PeerStanding& s : report.standings()) {
          if (s.node_id() == id.ToHex() && s.has_banned_until()) return s;
        }
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    return std::nullopt;
  }

  std::mt19937_64 gen_{2024};
  std::string dir_;
  int nodes_ = 0;
  std::unique_ptr<FakePeerManager> pm_;
};

TEST_F(AbuseTest, AFloodingPeerIsThrottledThenBanned) {
  TestNodeOptions options;
  options.guard.limit_loopback = true;  // the flood comes from 127.0.0.1
  options.guard.per_peer.bucket = {.rate_per_second = 5, .burst = 20};
  std::unique_ptr<TestNode> node = StartNode(options);
  ASSERT_NE(node, nullptr);
  auto stub = P2p(*node);
  const Contact flooder{.id = NodeId::Random(gen_),
                        .address = "10.9.9.9:8000"};

  int served = 0;
  int throttled = 0;
  grpc::Status last;
  for (int i = 0; i < 1000; ++i) {
    last = Ping(*stub, flooder);
    if (last.ok()) {
      ++served;
    } else if (last.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++throttled;
    } else {
      break;
    }
  }
  // The burst was served (plus what 5 per second refilled meanwhile), then
  // requests were throttled until the score reached the ban (about 100
  // refused requests; scores decay a little meanwhile).
  EXPECT_GE(served, 20);
  EXPECT_LT(served, 60);
  EXPECT_GE(throttled, 100);
  EXPECT_LE(throttled, 105);
  ASSERT_EQ(last.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << last.error_message();
  EXPECT_NE(last.error_message().find("is banned until"), std::string::npos)
      << last.error_message();
  // It stays refused, and is not in the routing table.
  EXPECT_EQ(Ping(*stub, flooder).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(node->guard().IsBanned(flooder.id));
  EXPECT_FALSE(node->routing().FindEntry(flooder.id).has_value());
  // Its address (127.0.0.1 here) was banned with it: another node ID from
  // there is refused too.
  const Contact accomplice{.id = NodeId::Random(gen_),
                           .address = "10.9.9.10:8000"};
  EXPECT_EQ(Ping(*stub, accomplice).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  const dht::v1::DhtStats stats = Stats(*node);
  EXPECT_EQ(stats.peers_banned(), 2u);  // the node ID and the address
  EXPECT_EQ(stats.bans_total(), 2u);
  EXPECT_EQ(stats.requests_throttled(), static_cast<uint64_t>(throttled));
  EXPECT_GE(stats.requests_refused_banned(), 2u);
  EXPECT_GE(stats.penalties(), static_cast<uint64_t>(throttled));

  // peer-manager is told, with the peer's address and the reason.
  std::optional<peers::v1::PeerStanding> reported = ReportedBan(flooder.id);
  ASSERT_TRUE(reported.has_value());
  EXPECT_EQ(reported->address(), flooder.address);
  EXPECT_NE(reported->ban_reason().find("rate limited"), std::string::npos);
}

TEST_F(AbuseTest, LoopbackIsNotRateLimitedByDefault) {
  TestNodeOptions options;
  options.guard.per_peer.bucket = {.rate_per_second = 5, .burst = 20};
  std::unique_ptr<TestNode> node = StartNode(options);
  ASSERT_NE(node, nullptr);
  auto stub = P2p(*node);
  const Contact local{.id = NodeId::Random(gen_), .address = "127.0.0.1:1"};
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(Ping(*stub, local).ok()) << i;
  }
  EXPECT_EQ(Stats(*node).requests_throttled(), 0u);
}

TEST_F(AbuseTest, MalformedRequestsGetTheSenderBanned) {
  std::unique_ptr<TestNode> node = StartNode();
  ASSERT_NE(node, nullptr);
  auto stub = P2p(*node);
  const Contact sender{.id = NodeId::Random(gen_),
                       .address = "10.9.9.9:8000"};
  // Ten FindNode requests with a 3-byte target: 10 points each.
  for (int i = 0; i < 10; ++i) {
    p2p::v1::FindNodeRequest req;
    *req.mutable_sender() = ContactToProto(sender);
    req.set_target("abc");
    p2p::v1::FindNodeResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    EXPECT_EQ(stub->FindNode(&ctx, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT)
        << i;
  }
  EXPECT_EQ(Ping(*stub, sender).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Loopback itself is exempt from address bans: others keep working.
  EXPECT_TRUE(
      Ping(*stub, Contact{.id = NodeId::Random(gen_), .address = "10.1.1.1:1"})
          .ok());
}

TEST_F(AbuseTest, APeerServingATamperedValueIsBannedAndTheReadSucceeds) {
  // Over mutual TLS: every node's ID is its key's.
  absl::StatusOr<std::unique_ptr<ScriptedPeer>> tamperer =
      ScriptedPeer::Start(TestKey(gen_));
  ASSERT_TRUE(tamperer.ok()) << tamperer.status();
  std::unique_ptr<TestNode> honest = StartNode({}, /*insecure=*/false);
  ASSERT_NE(honest, nullptr);
  // A value whose key is closer to the tamperer than to the honest node, so
  // the tamperer is asked first (half of all values are).
  std::string value;
  NodeId key;
  for (int i = 0; i < 64; ++i) {
    value = absl::StrCat("the genuine value ", i);
    key = NodeId(crypto::Sha256(value));
    if (kademlia::CloserTo(key, (*tamperer)->contact().id, honest->id())) break;
  }
  ASSERT_TRUE(
      kademlia::CloserTo(key, (*tamperer)->contact().id, honest->id()));
  (*tamperer)->SetValue("not the genuine value");
  ASSERT_TRUE(honest->store().Put(key, value).ok());

  TestNodeOptions options;
  options.lookup.lookup.alpha = 1;  // one query at a time: tamperer first
  std::unique_ptr<TestNode> reader = StartNode(options, /*insecure=*/false);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(reader->routing().Learn((*tamperer)->contact()).ok());
  ASSERT_TRUE(reader->routing().Learn(honest->contact()).ok());

  auto api = dht::v1::DhtService::NewStub(grpc::CreateChannel(
      reader->api_address(), grpc::InsecureChannelCredentials()));
  dht::v1::GetDataRequest get;
  get.set_hash(key.ToHex());
  dht::v1::GetDataResponse got;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  grpc::Status status = api->GetData(&ctx, get, &got);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got.data(), value) << "read from the honest node";
  EXPECT_EQ((*tamperer)->calls(), 1) << "the tamperer was asked first";

  // Banned: out of the routing table, counted, never asked again.
  const NodeId tamperer_id = (*tamperer)->contact().id;
  EXPECT_TRUE(reader->guard().IsBanned(tamperer_id));
  EXPECT_FALSE(reader->routing().FindEntry(tamperer_id).has_value());
  EXPECT_TRUE(reader->routing().FindEntry(honest->id()).has_value());
  EXPECT_EQ(Stats(*reader).peers_banned(), 1u);
  reader->lookups().Run(key, kademlia::LookupKind::kFindValue);
  EXPECT_EQ((*tamperer)->calls(), 1);

  std::optional<peers::v1::PeerStanding> reported = ReportedBan(tamperer_id);
  ASSERT_TRUE(reported.has_value());
  EXPECT_EQ(reported->address(), (*tamperer)->contact().address);
  EXPECT_NE(reported->ban_reason().find("tampered data"), std::string::npos)
      << reported->ban_reason();
}

TEST_F(AbuseTest, OneAddressRangeCannotFillABucket) {
  std::unique_ptr<TestNode> node = StartNode();  // k = 20: 10 per range
  ASSERT_NE(node, nullptr);
  // 30 contacts from 203.0.113.0/24 in the node's farthest bucket (their
  // first bit differs from the node's).
  int learned = 0;
  for (int i = 0; i < 30; ++i) {
    kademlia::IdBytes bytes = NodeId::Random(gen_).bytes();
    bytes[0] = static_cast<uint8_t>((node->id().bytes()[0] ^ 0x80) & 0x80) |
               (bytes[0] & 0x7f);
    const Contact c{.id = NodeId(bytes),
                    .address = absl::StrCat("203.0.113.", i + 1, ":8000")};
    ASSERT_TRUE(node->routing().Learn(c).ok());
    if (node->routing().FindEntry(c.id).has_value()) ++learned;
  }
  EXPECT_EQ(learned, 10);
  const dht::v1::DhtStats stats = Stats(*node);
  EXPECT_EQ(stats.routing_table_size(), 10u);
  EXPECT_EQ(stats.routing_prefix_rejections(), 20u);
}

}  // namespace
}  // namespace datamgmt::dht
