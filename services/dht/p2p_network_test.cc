// A network of 20 in-process dht nodes talking PeerProtocol over real gRPC
// on loopback: joins, lookups checked against brute force, replicated
// stores found from every node, a tampering peer, a hung peer.
#include <algorithm>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto/sha256.h"
#include "common/kademlia/testing/oracle.h"
#include "gtest/gtest.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/test_node.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::LookupKind;
using kademlia::LookupResult;
using kademlia::NodeId;
using kademlia::sim::TrueClosest;

constexpr int kNodes = 20;

std::vector<NodeId> Ids(absl::Span<const Contact> contacts) {
  std::vector<NodeId> ids;
  for (const Contact& c : contacts) ids.push_back(c.id);
  return ids;
}

class P2pNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir =
        std::string(::testing::TempDir()) + "/" +
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir);
    for (int i = 0; i < kNodes; ++i) {
      absl::StatusOr<std::unique_ptr<TestNode>> node = TestNode::Start(
          {.key = TestKey(gen_), .dir = absl::StrCat(dir, "/", i)});
      ASSERT_TRUE(node.ok()) << node.status();
      ids_.push_back((*node)->id());
      nodes_.push_back(*std::move(node));
    }
    // Introductions: everyone pings node 0 and learns it from the answer
    // (node 0 learns them from the senders); then each joins the Kademlia
    // way, with a lookup of its own ID.
    for (int i = 1; i < kNodes; ++i) {
      absl::StatusOr<PingReply> reply = Await<PingReply>([&](auto done) {
        nodes_[i]->client().Ping(nodes_[0]->address(), {}, std::move(done));
      });
      ASSERT_TRUE(reply.ok()) << reply.status();
      ASSERT_EQ(reply->responder.id, ids_[0]);
      ASSERT_TRUE(nodes_[i]->learner().Learn(reply->responder).ok());
    }
    for (int i = 1; i < kNodes; ++i) {
      nodes_[i]->lookups().Run(ids_[i], LookupKind::kFindNode);
    }
  }

  // A runner on node `i` with its own k and alpha (and query deadline).
  std::unique_ptr<LookupRunner> Runner(int i, int k, int alpha,
                                       absl::Duration timeout = {}) {
    LookupRunnerOptions options;
    options.lookup.k = k;
    options.lookup.alpha = alpha;
    options.query_timeout = timeout;
    absl::StatusOr<std::unique_ptr<LookupRunner>> runner =
        LookupRunner::Create(nodes_[i]->routing(), nodes_[i]->learner(),
                             nodes_[i]->client(), options);
    EXPECT_TRUE(runner.ok());
    return *std::move(runner);
  }

  // Stores `value` at the k closest nodes to its key that node `from`
  // finds, with Store RPCs. Returns the holders.
  std::vector<NodeId> Replicate(int from, const std::string& value, int k) {
    const NodeId key(crypto::Sha256(value));
    LookupResult closest = Runner(from, k, 3)->Run(key, LookupKind::kFindNode);
    EXPECT_EQ(Ids(closest.closest), TrueClosest(ids_, key, k, ids_[from]));
    std::vector<NodeId> holders;
    for (const Contact& c : closest.closest) {
      absl::StatusOr<StoreReply> stored = Await<StoreReply>([&](auto done) {
        nodes_[from]->client().Store(c, key, value, {}, std::move(done));
      });
      EXPECT_TRUE(stored.ok()) << stored.status();
      if (stored.ok()) holders.push_back(stored->responder.id);
    }
    return holders;
  }

  TestNode& Node(const NodeId& id) {
    for (auto& node : nodes_) {
      if (node->id() == id) return *node;
    }
    ADD_FAILURE() << "no node " << id.ShortHex();
    return *nodes_[0];
  }

  std::mt19937_64 gen_{2024};
  std::vector<NodeId> ids_;
  std::vector<std::unique_ptr<TestNode>> nodes_;
};

TEST_F(P2pNetworkTest, JoinedNodesKnowTheWholeNetwork) {
  for (int i = 0; i < kNodes; ++i) {
    EXPECT_EQ(nodes_[i]->routing().size(), static_cast<size_t>(kNodes - 1))
        << "node " << i;
  }
}

TEST_F(P2pNetworkTest, FindNodeMatchesBruteForce) {
  std::unique_ptr<LookupRunner> k5 = Runner(7, /*k=*/5, /*alpha=*/3);
  for (int t = 0; t < 10; ++t) {
    const NodeId target = NodeId::Random(gen_);
    LookupResult all = nodes_[7]->lookups().Run(target, LookupKind::kFindNode);
    EXPECT_EQ(Ids(all.closest), TrueClosest(ids_, target, 20, ids_[7]));
    LookupResult five = k5->Run(target, LookupKind::kFindNode);
    EXPECT_EQ(Ids(five.closest), TrueClosest(ids_, target, 5, ids_[7]));
  }
  // A node's own ID as target: found by everyone else, first.
  LookupResult r = k5->Run(ids_[3], LookupKind::kFindNode);
  ASSERT_FALSE(r.closest.empty());
  EXPECT_EQ(r.closest[0].id, ids_[3]);
}

TEST_F(P2pNetworkTest, ValueStoredAtTheKClosestIsFoundFromEveryNode) {
  std::string value(64 << 10, '\0');
  for (char& c : value) c = static_cast<char>(gen_());
  const NodeId key(crypto::Sha256(value));
  const std::vector<NodeId> holders = Replicate(/*from=*/4, value, /*k=*/3);
  ASSERT_EQ(holders, TrueClosest(ids_, key, 3, ids_[4]));
  for (const NodeId& h : holders) {
    EXPECT_EQ(*Node(h).store().Get(key), value);
  }
  for (int i = 0; i < kNodes; ++i) {
    if (i == 4) continue;
    LookupResult r = nodes_[i]->lookups().Run(key, LookupKind::kFindValue);
    ASSERT_TRUE(r.value.has_value()) << "node " << i;
    EXPECT_EQ(*r.value, value) << "node " << i;
    EXPECT_NE(std::find(holders.begin(), holders.end(), r.value_holder->id),
              holders.end());
  }
  // Every byte one node sent, another received. Late answers of finished
  // lookups may still be arriving: poll.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  uint64_t sent = 0, received = 0;
  while (absl::Now() < deadline) {
    sent = received = 0;
    for (auto& node : nodes_) {
      sent += node->stats().bytes_sent();
      received += node->stats().bytes_received();
    }
    if (sent == received) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(sent, received);
  EXPECT_GT(sent, 3u * value.size());
}

TEST_F(P2pNetworkTest, TamperedAnswerIsRejectedAndTheHonestValueFound) {
  absl::StatusOr<std::unique_ptr<ScriptedPeer>> tamperer =
      ScriptedPeer::Start(TestKey(gen_));
  ASSERT_TRUE(tamperer.ok());
  // The tamperer's ID is its key's; the value is chosen so that its key is
  // closer to the tamperer than to any real node, so it is asked first.
  const NodeId near = (*tamperer)->contact().id;
  std::string value;
  for (int i = 0; i < 10'000 && value.empty(); ++i) {
    const std::string candidate = absl::StrCat("the honest bytes ", i);
    const NodeId k(crypto::Sha256(candidate));
    if (std::all_of(ids_.begin(), ids_.end(), [&](const NodeId& id) {
          return kademlia::Xor(k, near) < kademlia::Xor(k, id);
        })) {
      value = candidate;
    }
  }
  ASSERT_FALSE(value.empty());
  const NodeId key(crypto::Sha256(value));
  (*tamperer)->SetValue("the forged bytes");
  const std::vector<NodeId> holders = Replicate(0, value, 3);
  ASSERT_EQ(holders.size(), 3u);

  const int q = 9;
  ASSERT_TRUE(nodes_[q]->routing().Learn((*tamperer)->contact()).ok());
  // alpha = 1: the tamperer answers alone, before anyone else is asked.
  LookupResult r = Runner(q, 20, /*alpha=*/1)->Run(key, LookupKind::kFindValue);
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(*r.value, value);
  EXPECT_NE(r.value_holder->id, (*tamperer)->contact().id);
  EXPECT_EQ((*tamperer)->calls(), 1);
  EXPECT_EQ(r.stats.failed, 1);
  std::optional<kademlia::BucketEntry> entry =
      nodes_[q]->routing().FindEntry((*tamperer)->contact().id);
  EXPECT_TRUE(!entry.has_value() || entry->consecutive_failures == 1)
      << "the tamperer is charged with a failure";
  EXPECT_EQ(
      nodes_[q]->stats().Snapshot().of(P2pMethod::kFindValue).outbound_errors,
      1u);
  EXPECT_FALSE(nodes_[q]->store().Contains(key))
      << "lookups never store; DhtService caches found values";
}

TEST_F(P2pNetworkTest, StoresThatBreakTheRulesStoreNothing) {
  TestNode& a = *nodes_[1];
  TestNode& b = *nodes_[2];
  const std::string big(kMaxValueBytes + 1, 'z');
  absl::StatusOr<StoreReply> oversized = Await<StoreReply>([&](auto done) {
    a.client().Store(b.contact(), NodeId(crypto::Sha256(big)), big, {},
                     std::move(done));
  });
  EXPECT_EQ(oversized.status().code(), absl::StatusCode::kResourceExhausted);
  // (Last: a value that does not match its key gets `a` banned by `b`.)
  absl::StatusOr<StoreReply> mismatch = Await<StoreReply>([&](auto done) {
    a.client().Store(b.contact(), NodeId(crypto::Sha256("x")), "y", {},
                     std::move(done));
  });
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(b.store().stats().keys, 0u);
  EXPECT_EQ(b.stats().Snapshot().of(P2pMethod::kStore),
            (RpcCounts{.inbound = 2, .inbound_errors = 2}));
}

TEST_F(P2pNetworkTest, MalformedSenderIsInvalidArgument) {
  const crypto::NodeKey key = TestKey(gen_);
  auto stub = p2p::v1::PeerProtocol::NewStub(
      PeerChannel(nodes_[5]->address(), &key));
  p2p::v1::FindNodeRequest req;
  req.mutable_sender()->set_node_id(std::string(31, 'x'));
  req.mutable_sender()->set_address("10.0.0.1:8000");
  req.set_target(ids_[1].ToBytes());
  p2p::v1::FindNodeResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  EXPECT_EQ(stub->FindNode(&ctx, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(P2pNetworkTest, HungPeerFailsAtItsDeadlineAndDoesNotStallTheLookup) {
  absl::StatusOr<std::unique_ptr<SilentPeer>> silent = SilentPeer::Start();
  ASSERT_TRUE(silent.ok());
  const NodeId target = NodeId::Random(gen_);
  kademlia::IdBytes near = target.bytes();
  near[31] ^= 0x01;
  const Contact hung{.id = NodeId(near), .address = (*silent)->address()};
  const int q = 11;
  ASSERT_TRUE(nodes_[q]->routing().Learn(hung).ok());
  const absl::Duration timeout = absl::Milliseconds(300);
  std::unique_ptr<LookupRunner> runner = Runner(q, 5, 3, timeout);
  const absl::Time start = absl::Now();
  LookupResult r = runner->Run(target, LookupKind::kFindNode);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(Ids(r.closest), TrueClosest(ids_, target, 5, ids_[q]));
  EXPECT_EQ(r.stats.failed, 1);
  EXPECT_GE(elapsed, absl::Milliseconds(250)) << "it was awaited";
  EXPECT_LT(elapsed, absl::Seconds(3)) << "but only until its deadline";
  std::optional<kademlia::BucketEntry> entry =
      nodes_[q]->routing().FindEntry(hung.id);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->consecutive_failures, 1);
}

}  // namespace
}  // namespace datamgmt::dht
