#include "services/dht/p2p_service.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto/sha256.h"
#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/p2p_service_test_fixture.h"
#include "services/dht/test_node.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::NodeId;
using p2p::v1::PeerProtocol;

TEST_F(P2pServiceTest, PingAnswersWithOurContactAndLearnsTheSender) {
  p2p::v1::PingResponse resp;
  grpc::Status s =
      Call(&PeerProtocol::Stub::Ping, p2p::v1::PingRequest(), &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.responder().SerializeAsString(),
            ContactToProto(node_->contact()).SerializeAsString());
  EXPECT_EQ(node_->routing().Contacts(), std::vector{me_});
  EXPECT_EQ(observer_.senders(), std::vector{me_});
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kPing),
            (RpcCounts{.inbound = 1}));
}

TEST_F(P2pServiceTest, MalformedSendersAreInvalidArgumentAndNotLearned) {
  std::vector<Contact> bad = {
      {.id = me_.id, .address = "10.9.9.9"},
      {.id = me_.id, .address = "10.9.9.9:0"},
      {.id = me_.id, .address = "0.0.0.0:8000"},
      {.id = me_.id, .address = ""},
  };
  for (const Contact& sender : bad) {
    p2p::v1::PingResponse resp;
    grpc::Status s = Call(stub_.get(), &PeerProtocol::Stub::Ping,
                          p2p::v1::PingRequest(), &resp, &sender);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << sender.address;
  }
  p2p::v1::PingRequest short_id;
  short_id.mutable_sender()->set_node_id("0123456789");
  short_id.mutable_sender()->set_address("10.9.9.9:8000");
  p2p::v1::PingResponse resp;
  EXPECT_EQ(
      Call(stub_.get(), &PeerProtocol::Stub::Ping, short_id, &resp, nullptr)
          .error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Call(stub_.get(), &PeerProtocol::Stub::Ping, p2p::v1::PingRequest(),
                 &resp, nullptr)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "a missing sender";
  EXPECT_EQ(node_->routing().size(), 0u);
  EXPECT_TRUE(observer_.senders().empty());
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kPing),
            (RpcCounts{.inbound = 6, .inbound_errors = 6}));
}

TEST_F(P2pServiceTest, OurOwnIdAsSenderIsAnsweredButNeverLearned) {
  // Only a holder of the node's key can send as it (e.g. a copy of the node
  // running from the same data directory elsewhere).
  const crypto::NodeKey own = node_->key();
  const Contact twin{.id = node_->id(), .address = "10.1.1.1:8000"};
  p2p::v1::PingResponse resp;
  EXPECT_TRUE(Call(StubAs(node_->address(), &own).get(),
                   &PeerProtocol::Stub::Ping, p2p::v1::PingRequest(), &resp,
                   &twin)
                  .ok());
  EXPECT_EQ(node_->routing().size(), 0u);
}

// Key-bound identity: a sender whose node ID is not its certificate's is
// refused by every method, and nothing about it is learned or kept.
TEST_F(P2pServiceTest, SenderNotMatchingItsCertificateIsUnauthenticated) {
  const crypto::NodeKey other = TestKey(gen_);
  for (const Contact& claim :
       {Contact{.id = NodeId(other.Id()), .address = me_.address},
        Contact{.id = node_->id(), .address = me_.address}}) {
    p2p::v1::PingResponse ping;
    grpc::Status s = Call(stub_.get(), &PeerProtocol::Stub::Ping,
                          p2p::v1::PingRequest(), &ping, &claim);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << s.error_message();
    EXPECT_NE(s.error_message().find(claim.id.ShortHex()), std::string::npos)
        << s.error_message();
    p2p::v1::FindNodeRequest find;
    find.set_target(claim.id.ToBytes());
    p2p::v1::FindNodeResponse found;
    EXPECT_EQ(Call(stub_.get(), &PeerProtocol::Stub::FindNode, find, &found,
                   &claim)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_EQ(found.contacts_size(), 0);
    p2p::v1::StoreRequest store;
    store.set_key(Key("value"));
    store.set_value("value");
    p2p::v1::StoreResponse stored;
    EXPECT_EQ(
        Call(stub_.get(), &PeerProtocol::Stub::Store, store, &stored, &claim)
            .error_code(),
        grpc::StatusCode::UNAUTHENTICATED);
    p2p::v1::GetPeersResponse peers;
    EXPECT_EQ(Call(stub_.get(), &PeerProtocol::Stub::GetPeers,
                   p2p::v1::GetPeersRequest(), &peers, &claim)
                  .error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(node_->routing().size(), 0u);
  EXPECT_TRUE(observer_.senders().empty());
  EXPECT_TRUE(observer_.results().empty()) << "the claimed ID is not charged";
  EXPECT_EQ(node_->store().stats().keys, 0u);
  EXPECT_TRUE(pm_->list_requests().empty());
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kStore),
            (RpcCounts{.inbound = 2, .inbound_errors = 2}));

  // The same stub, claiming its own key's ID, is served.
  p2p::v1::PingResponse ok;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::Ping, p2p::v1::PingRequest(), &ok).ok());
  EXPECT_EQ(node_->routing().Contacts(), std::vector{me_});
}

TEST_F(P2pServiceTest, PlaintextClientCannotTalkToATlsNode) {
  auto plaintext = StubAs(node_->address(), nullptr);
  p2p::v1::PingResponse ping;
  EXPECT_EQ(Call(plaintext.get(), &PeerProtocol::Stub::Ping,
                 p2p::v1::PingRequest(), &ping, &me_)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  p2p::v1::StoreRequest store;
  store.set_key(Key("value"));
  store.set_value("value");
  p2p::v1::StoreResponse stored;
  EXPECT_EQ(Call(plaintext.get(), &PeerProtocol::Stub::Store, store, &stored,
                 &me_)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(node_->routing().size(), 0u);
  EXPECT_TRUE(observer_.senders().empty());
  EXPECT_EQ(node_->store().stats().keys, 0u);
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kPing).inbound, 0u)
      << "no call reached the service";
}

// --p2p_insecure: plaintext both ways, claims taken at their word; a TLS
// client cannot talk to it either.
TEST_F(P2pServiceTest, InsecureNodeIsPlaintextAndTakesClaimsAtTheirWord) {
  std::unique_ptr<TestNode> plain = StartNode({.p2p_insecure = true});
  ASSERT_NE(plain, nullptr);
  const Contact anyone{.id = NodeId::Random(gen_), .address = me_.address};
  p2p::v1::PingResponse ping;
  ASSERT_TRUE(Call(StubAs(plain->address(), nullptr).get(),
                   &PeerProtocol::Stub::Ping, p2p::v1::PingRequest(), &ping,
                   &anyone)
                  .ok());
  EXPECT_EQ(ping.responder().node_id(), plain->id().ToBytes());
  EXPECT_EQ(plain->routing().Contacts(), std::vector{anyone});
  EXPECT_EQ(Call(StubAs(plain->address(), &my_key_).get(),
                 &PeerProtocol::Stub::Ping, p2p::v1::PingRequest(), &ping, &me_)
                .error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(P2pServiceTest, FindNodeReturnsTheKClosestButNeverTheRequester) {
  std::vector<Contact> known;
  for (int i = 0; i < 40; ++i) {
    known.push_back({.id = NodeId::Random(gen_),
                     .address = absl::StrCat("10.0.0.", i + 1, ":8000")});
    ASSERT_TRUE(node_->routing().Learn(known.back()).ok());
  }
  const NodeId target = me_.id;  // the requester is the closest to itself
  p2p::v1::FindNodeRequest req;
  req.set_target(target.ToBytes());
  p2p::v1::FindNodeResponse resp;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::FindNode, req, &resp).ok());
  std::vector<Contact> expected = node_->routing().Closest(target, 21);
  std::erase(expected, me_);
  expected.resize(20);
  ASSERT_EQ(resp.contacts_size(), 20);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(resp.contacts(i).SerializeAsString(),
              ContactToProto(expected[i]).SerializeAsString());
    EXPECT_NE(resp.contacts(i).node_id(), me_.id.ToBytes());
  }
  req.set_target("short");
  EXPECT_EQ(Call(&PeerProtocol::Stub::FindNode, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(P2pServiceTest, FindValueAnswersTheValueIfHeldElseContacts) {
  ASSERT_TRUE(
      node_->routing()
          .Learn({.id = NodeId::Random(gen_), .address = "10.0.0.1:8000"})
          .ok());
  ASSERT_TRUE(node_->store().Put(NodeId(crypto::Sha256("held")), "held").ok());
  p2p::v1::FindValueRequest req;
  req.set_key(Key("held"));
  p2p::v1::FindValueResponse resp;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::FindValue, req, &resp).ok());
  EXPECT_EQ(resp.result_case(), p2p::v1::FindValueResponse::kValue);
  EXPECT_EQ(resp.value(), "held");

  req.set_key(Key("not held"));
  ASSERT_TRUE(Call(&PeerProtocol::Stub::FindValue, req, &resp).ok());
  EXPECT_EQ(resp.result_case(), p2p::v1::FindValueResponse::kCloser);
  EXPECT_EQ(resp.closer().contacts_size(), 1) << "our one other contact";

  req.set_key(std::string(33, 'k'));
  EXPECT_EQ(Call(&PeerProtocol::Stub::FindValue, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(P2pServiceTest, StoreKeepsVerifiedValuesIdempotently) {
  p2p::v1::StoreRequest req;
  req.set_key(Key("value"));
  req.set_value("value");
  p2p::v1::StoreResponse resp;
  ASSERT_TRUE(Call(&PeerProtocol::Stub::Store, req, &resp).ok());
  EXPECT_EQ(resp.responder().node_id(), node_->id().ToBytes());
  ASSERT_TRUE(Call(&PeerProtocol::Stub::Store, req, &resp).ok());
  EXPECT_EQ(*node_->store().Get(NodeId(crypto::Sha256("value"))), "value");
  EXPECT_EQ(node_->store().stats().keys, 1u);
}

TEST_F(P2pServiceTest, StoreWithAMismatchedHashIsRejectedAndBansTheSender) {
  p2p::v1::StoreRequest req;
  req.set_key(Key("genuine"));
  req.set_value("tampered");
  p2p::v1::StoreResponse resp;
  grpc::Status s = Call(&PeerProtocol::Stub::Store, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("key does not match value"),
            std::string::npos);
  EXPECT_EQ(node_->store().stats().keys, 0u);
  EXPECT_FALSE(node_->store().Contains(NodeId(crypto::Sha256("genuine"))));
  // Tampered data bans at once: the sender leaves the routing table and
  // its next request is refused.
  EXPECT_TRUE(node_->guard().IsBanned(me_.id));
  EXPECT_FALSE(node_->routing().FindEntry(me_.id).has_value());
  p2p::v1::PingResponse pong;
  grpc::Status refused =
      Call(&PeerProtocol::Stub::Ping, p2p::v1::PingRequest(), &pong);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(refused.error_message().find("tampered data"), std::string::npos)
      << refused.error_message();
  std::vector<ContactReport> reports = observer_.results();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].address, me_.address);
  EXPECT_EQ(reports[0].node_id, me_.id);
  EXPECT_EQ(reports[0].method, P2pMethod::kStore);
  EXPECT_EQ(reports[0].status.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(P2pServiceTest, OversizedStoreIsResourceExhaustedAndNothingStored) {
  const std::string limit(kMaxValueBytes, 'a');
  const std::string over(kMaxValueBytes + 1, 'b');
  p2p::v1::StoreRequest req;
  p2p::v1::StoreResponse resp;
  req.set_key(Key(over));
  req.set_value(over);
  grpc::Status s = Call(&PeerProtocol::Stub::Store, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_NE(s.error_message().find("1048576"), std::string::npos)
      << "the message names the limit: " << s.error_message();
  EXPECT_EQ(node_->store().stats().keys, 0u);
  req.set_key(Key(limit));
  req.set_value(limit);
  EXPECT_TRUE(Call(&PeerProtocol::Stub::Store, req, &resp).ok())
      << "exactly the limit is fine";

  std::unique_ptr<TestNode> small =
      StartNode({.service = {.max_value_bytes = 1000}});
  auto small_stub = StubAs(small->address(), &my_key_);
  const std::string v(1001, 'c');
  req.set_key(Key(v));
  req.set_value(v);
  EXPECT_EQ(Call(small_stub.get(), &PeerProtocol::Stub::Store, req, &resp, &me_)
                .error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(small->store().stats().keys, 0u);
}

TEST_F(P2pServiceTest, MalformedStoresAreInvalidArgument) {
  p2p::v1::StoreRequest req;
  p2p::v1::StoreResponse resp;
  req.set_key(Key(""));
  EXPECT_EQ(Call(&PeerProtocol::Stub::Store, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT)
      << "an empty value";
  req.set_key("short key");
  req.set_value("v");
  EXPECT_EQ(Call(&PeerProtocol::Stub::Store, req, &resp).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(node_->store().stats().keys, 0u);
}

TEST_F(P2pServiceTest, SenderInAFullBucketTriggersPingBeforeEvict) {
  FakeClock clock(absl::FromUnixSeconds(1'700'000'000));
  kademlia::RoutingTableOptions table;
  table.k = 1;
  std::unique_ptr<TestNode> node = StartNode({.table = table, .clock = &clock});
  // Two IDs in the same (farthest) bucket of the node (their first bit is
  // not the node's): the newcomer's is its key's, the dead one's is next to
  // it.
  crypto::NodeKey newcomer_key = TestKey(gen_);
  for (int i = 0; i < 64 && ((newcomer_key.Id()[0] ^ node->id().bytes()[0]) &
                             0x80) == 0;
       ++i) {
    newcomer_key = TestKey(gen_);
  }
  const kademlia::IdBytes far2 = newcomer_key.Id();
  ASSERT_NE((far2[0] ^ node->id().bytes()[0]) & 0x80, 0);
  kademlia::IdBytes far = far2;
  far[31] ^= 0x01;
  std::string dead_address;
  {
    absl::StatusOr<std::unique_ptr<SilentPeer>> gone = SilentPeer::Start();
    ASSERT_TRUE(gone.ok());
    dead_address = (*gone)->address();
  }
  const Contact dead{.id = NodeId(far), .address = dead_address};
  ASSERT_TRUE(node->routing().Learn(dead).ok());
  clock.Advance(absl::Minutes(10));

  const Contact newcomer{.id = NodeId(far2), .address = "10.2.2.2:8000"};
  auto stub = StubAs(node->address(), &newcomer_key);
  p2p::v1::PingResponse resp;
  ASSERT_TRUE(Call(stub.get(), &PeerProtocol::Stub::Ping,
                   p2p::v1::PingRequest(), &resp, &newcomer)
                  .ok());
  // The eviction ping runs asynchronously: poll for its outcome.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline &&
         !node->routing().FindEntry(newcomer.id).has_value()) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_TRUE(node->routing().FindEntry(newcomer.id).has_value());
  EXPECT_FALSE(node->routing().FindEntry(dead.id).has_value());
  EXPECT_EQ(node->stats().Snapshot().of(P2pMethod::kPing).outbound_errors, 1u);
}

TEST(P2pServiceOptionsTest, CreateChecksDependenciesAndOptions) {
  EXPECT_EQ(P2pService::Create({}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(P2pServiceOptions{.k = 0}.Validate().ok());
  EXPECT_FALSE(P2pServiceOptions{.max_value_bytes = 0}.Validate().ok());
  EXPECT_TRUE(P2pServiceOptions{}.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::dht
