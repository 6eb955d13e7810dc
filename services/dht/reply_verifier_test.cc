#include "services/dht/reply_verifier.h"

#include <string>

#include "common/crypto/sha256.h"
#include "gtest/gtest.h"
#include "services/dht/p2p_convert.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::IdBytes;
using kademlia::NodeId;

NodeId Id(uint8_t b) {
  IdBytes bytes{};
  bytes.fill(b);
  return NodeId(bytes);
}

Contact At(NodeId id, absl::string_view address) {
  return Contact{.id = id, .address = std::string(address)};
}

class ReplyVerifierTest : public ::testing::Test {
 protected:
  VerifyContext ctx_{.address = "10.0.0.2:8000",
                     .self = Id(1),
                     .expected = Id(2),
                     .max_contacts = 3,
                     .max_value_bytes = 100};
  p2p::v1::Contact responder_ = ContactToProto(At(Id(2), "10.0.0.2:8000"));
};

TEST_F(ReplyVerifierTest, AcceptsTheContactDialled) {
  p2p::v1::PingResponse resp;
  *resp.mutable_responder() = responder_;
  absl::StatusOr<PingReply> reply = VerifyPing(resp, ctx_);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->responder, At(Id(2), "10.0.0.2:8000"));
}

TEST_F(ReplyVerifierTest, RejectsMissingMalformedSelfAndImpostorResponders) {
  p2p::v1::StoreResponse resp;
  EXPECT_EQ(VerifyStore(resp, ctx_).status().code(),
            absl::StatusCode::kInvalidArgument)
      << "a missing responder is a malformed answer";
  resp.mutable_responder()->set_node_id("short");
  resp.mutable_responder()->set_address("10.0.0.2:8000");
  EXPECT_EQ(VerifyStore(resp, ctx_).status().code(),
            absl::StatusCode::kInvalidArgument);
  *resp.mutable_responder() = ContactToProto(At(Id(1), "10.0.0.2:8000"));
  EXPECT_TRUE(IsDialledSelf(VerifyStore(resp, ctx_).status()))
      << "we dialled ourselves";
  *resp.mutable_responder() = ContactToProto(At(Id(9), "10.0.0.2:8000"));
  EXPECT_EQ(VerifyStore(resp, ctx_).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "another node answered for the contact";
  EXPECT_FALSE(IsDialledSelf(VerifyStore(resp, ctx_).status()));
  VerifyContext by_address = ctx_;
  by_address.expected.reset();
  EXPECT_TRUE(VerifyStore(resp, by_address).ok())
      << "address-only calls accept any other node";
}

TEST_F(ReplyVerifierTest, FindNodeDropsMalformedContactsAndCapsAtK) {
  p2p::v1::FindNodeResponse resp;
  *resp.mutable_responder() = responder_;
  *resp.add_contacts() = ContactToProto(At(Id(3), "a:1"));
  resp.add_contacts()->set_node_id("bad");
  *resp.add_contacts() = ContactToProto(At(Id(4), "b:1"));
  *resp.add_contacts() = ContactToProto(At(Id(5), "c:1"));  // beyond k = 3
  absl::StatusOr<FindNodeReply> reply = VerifyFindNode(resp, ctx_);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->contacts, (std::vector{At(Id(3), "a:1"), At(Id(4), "b:1")}));
}

TEST_F(ReplyVerifierTest, FindValueAcceptsOnlyBytesThatHashToTheKey) {
  const std::string value = "the genuine bytes";
  const NodeId key(crypto::Sha256(value));
  p2p::v1::FindValueResponse resp;
  *resp.mutable_responder() = responder_;
  resp.set_value(value);
  absl::StatusOr<FindValueReply> ok = VerifyFindValue(resp, key, ctx_);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->value, value);

  resp.set_value("tampered bytes!!!");
  absl::StatusOr<FindValueReply> tampered = VerifyFindValue(resp, key, ctx_);
  EXPECT_EQ(tampered.status().code(), absl::StatusCode::kDataLoss);

  resp.set_value(std::string(101, 'x'));
  EXPECT_EQ(VerifyFindValue(resp, NodeId(crypto::Sha256(resp.value())), ctx_)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument)
      << "over the size limit";
  resp.set_value("");
  EXPECT_EQ(VerifyFindValue(resp, key, ctx_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(ReplyVerifierTest, FindValueWithoutValueGivesCloserContacts) {
  p2p::v1::FindValueResponse resp;
  *resp.mutable_responder() = responder_;
  *resp.mutable_closer()->add_contacts() = ContactToProto(At(Id(3), "a:1"));
  absl::StatusOr<FindValueReply> reply = VerifyFindValue(resp, Id(7), ctx_);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->value.has_value());
  EXPECT_EQ(reply->closer, std::vector{At(Id(3), "a:1")});
}

TEST_F(ReplyVerifierTest, PeerExchangeAnswers) {
  p2p::v1::GetPeersResponse peers;
  *peers.mutable_responder() = responder_;
  for (uint32_t port : {1u, 0u, 2u, 3u}) {
    p2p::v1::PeerEntry* e = peers.add_peers();
    e->set_host("10.1.1.1");
    e->set_port(port);
  }
  absl::StatusOr<GetPeersReply> got = VerifyGetPeers(peers, 3, ctx_);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->peers.size(), 2u) << "first 3 entries, one malformed";
  EXPECT_EQ(got->peers[1].port, 2u);

  p2p::v1::SharePeersResponse shared;
  *shared.mutable_responder() = responder_;
  shared.set_added(4);
  shared.set_ignored(1);
  absl::StatusOr<SharePeersReply> s = VerifySharePeers(shared, ctx_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->added, 4u);
  EXPECT_EQ(s->ignored, 1u);
}

}  // namespace
}  // namespace datamgmt::dht
