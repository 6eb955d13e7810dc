#include "services/dht/grpc_peer_client.h"

#include <filesystem>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "common/crypto/sha256.h"
#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/test_node.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::NodeId;

class GrpcPeerClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    node_ = StartNode("a");
    absl::StatusOr<std::unique_ptr<ScriptedPeer>> peer =
        ScriptedPeer::Start(TestKey(gen_));
    ASSERT_TRUE(peer.ok()) << peer.status();
    peer_ = *std::move(peer);
  }

  std::unique_ptr<TestNode> StartNode(const std::string& name) {
    absl::StatusOr<std::unique_ptr<TestNode>> node =
        TestNode::Start({.key = TestKey(gen_),
                         .dir = dir_ + "/" + name,
                         .observer = &observer_});
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  GrpcPeerClient& client() { return node_->client(); }

  std::mt19937_64 gen_{1234};
  std::string dir_;
  RecordingObserver observer_;
  std::unique_ptr<TestNode> node_;
  std::unique_ptr<ScriptedPeer> peer_;
};

TEST_F(GrpcPeerClientTest, PingSendsOurContactAndReturnsTheResponder) {
  absl::StatusOr<PingReply> reply = Await<PingReply>([&](auto done) {
    client().Ping(peer_->contact().address, {}, std::move(done));
  });
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->responder, peer_->contact());
  EXPECT_GT(reply->rtt, absl::ZeroDuration());
  ASSERT_TRUE(peer_->last_sender().has_value());
  EXPECT_EQ(peer_->last_sender()->SerializeAsString(),
            ContactToProto(node_->contact()).SerializeAsString());

  const TrafficSnapshot s = node_->stats().Snapshot();
  EXPECT_EQ(s.of(P2pMethod::kPing), (RpcCounts{.outbound = 1}));
  EXPECT_GT(s.bytes_sent, 0u);
  EXPECT_GT(s.bytes_received, 0u);
  std::vector<ContactReport> reports = observer_.results();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].status.ok());
  EXPECT_EQ(reports[0].address, peer_->contact().address);
  EXPECT_EQ(reports[0].node_id, peer_->contact().id);
  EXPECT_EQ(reports[0].method, P2pMethod::kPing);
  EXPECT_GT(reports[0].rtt, absl::ZeroDuration());
}

TEST_F(GrpcPeerClientTest, BothEndsCountTheSameBytes) {
  std::unique_ptr<TestNode> b = StartNode("b");
  const NodeId key = NodeId(crypto::Sha256("v"));
  ASSERT_TRUE(Await<PingReply>([&](auto done) {
                client().Ping(b->address(), {}, std::move(done));
              }).ok());
  ASSERT_TRUE(Await<StoreReply>([&](auto done) {
                client().Store(b->contact(), key, "v", {}, std::move(done));
              }).ok());
  ASSERT_TRUE(Await<FindValueReply>([&](auto done) {
                client().FindValue(b->contact(), key, {}, std::move(done));
              }).ok());
  const TrafficSnapshot mine = node_->stats().Snapshot();
  const TrafficSnapshot theirs = b->stats().Snapshot();
  EXPECT_EQ(mine.bytes_sent, theirs.bytes_received);
  EXPECT_EQ(mine.bytes_received, theirs.bytes_sent);
  EXPECT_EQ(theirs.of(P2pMethod::kStore), (RpcCounts{.inbound = 1}));
  EXPECT_TRUE(b->routing().FindEntry(node_->id()).has_value())
      << "the callee learned the caller from its sender field";
}

TEST_F(GrpcPeerClientTest, TamperedFindValueIsDataLossAndBansThePeer) {
  const std::string value = "genuine";
  peer_->SetValue("tampered");
  absl::StatusOr<FindValueReply> reply = Await<FindValueReply>([&](auto done) {
    client().FindValue(peer_->contact(), NodeId(crypto::Sha256(value)), {},
                       std::move(done));
  });
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kFindValue),
            (RpcCounts{.outbound = 1, .outbound_errors = 1}));
  std::vector<ContactReport> reports = observer_.results();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status.code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(reports[0].node_id.has_value());

  // One tampered value bans the peer: it is never dialled again, even
  // once it serves the genuine bytes.
  EXPECT_TRUE(node_->guard().IsBanned(peer_->contact().id));
  const int calls = peer_->calls();
  peer_->SetValue(value);
  reply = Await<FindValueReply>([&](auto done) {
    client().FindValue(peer_->contact(), NodeId(crypto::Sha256(value)), {},
                       std::move(done));
  });
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kPermissionDenied)
      << reply.status();
  EXPECT_EQ(peer_->calls(), calls) << "not sent";
  EXPECT_EQ(observer_.results().size(), 1u) << "not reported";
}

TEST_F(GrpcPeerClientTest, WrongOrMalformedRespondersAreRejected) {
  // A responder that is not the node of the server's certificate.
  const Contact other{.id = NodeId::Random(gen_),
                      .address = peer_->contact().address};
  peer_->SetResponder(ContactToProto(other));
  absl::StatusOr<FindNodeReply> impostor = Await<FindNodeReply>([&](auto done) {
    client().FindNode(peer_->contact(), NodeId(), {}, std::move(done));
  });
  EXPECT_EQ(impostor.status().code(), absl::StatusCode::kUnauthenticated)
      << impostor.status();
  absl::StatusOr<PingReply> by_address = Await<PingReply>([&](auto done) {
    client().Ping(peer_->contact().address, {}, std::move(done));
  });
  EXPECT_EQ(by_address.status().code(), absl::StatusCode::kUnauthenticated);
  // Our own ID from a server whose certificate is not ours is a lie too.
  peer_->SetResponder(ContactToProto(node_->contact()));
  absl::StatusOr<PingReply> fake_self = Await<PingReply>([&](auto done) {
    client().Ping(peer_->contact().address, {}, std::move(done));
  });
  EXPECT_EQ(fake_self.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(IsDialledSelf(fake_self.status()));

  // A server with our own key answering as us: we dialled ourselves.
  absl::StatusOr<std::unique_ptr<ScriptedPeer>> mirror =
      ScriptedPeer::Start(node_->key());
  ASSERT_TRUE(mirror.ok());
  (*mirror)->SetResponder(ContactToProto(node_->contact()));
  absl::StatusOr<PingReply> self = Await<PingReply>([&](auto done) {
    client().Ping((*mirror)->contact().address, {}, std::move(done));
  });
  EXPECT_TRUE(IsDialledSelf(self.status()))
      << "an answer with our own ID means we dialled ourselves";
  EXPECT_FALSE(IsDialledSelf(impostor.status()));
  peer_->SetResponder(ContactToProto(peer_->contact()));
  peer_->SetStatus(grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "x"));
  absl::StatusOr<PingReply> remote = Await<PingReply>([&](auto done) {
    client().Ping(peer_->contact().address, {}, std::move(done));
  });
  EXPECT_EQ(remote.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(IsDialledSelf(remote.status())) << "the remote's own error";
  peer_->SetStatus(grpc::Status::OK);

  p2p::v1::Contact malformed;
  malformed.set_node_id("short");
  malformed.set_address(peer_->contact().address);
  peer_->SetResponder(malformed);
  absl::StatusOr<StoreReply> bad = Await<StoreReply>([&](auto done) {
    client().Store(peer_->contact(), NodeId(crypto::Sha256("x")), "x", {},
                   std::move(done));
  });
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kStore).outbound_errors,
            1u);
}

// Key-bound identity, the caller's side: an answer whose responder is not
// the node of the server's certificate fails like any malformed answer: the
// contact is charged, nothing is learned, no value is taken.
TEST_F(GrpcPeerClientTest, ResponderNotMatchingTheCertificateIsAFailure) {
  const crypto::NodeKey liar_key = TestKey(gen_);
  absl::StatusOr<std::unique_ptr<ScriptedPeer>> liar =
      ScriptedPeer::Start(liar_key);
  ASSERT_TRUE(liar.ok());
  // It claims to be `claimed`, which the caller also has in its table.
  const Contact claimed{.id = NodeId::Random(gen_),
                        .address = (*liar)->contact().address};
  (*liar)->SetResponder(ContactToProto(claimed));
  const std::string value = "v";
  (*liar)->SetValue(value);
  ASSERT_TRUE(node_->routing().Learn(claimed).ok());
  absl::StatusOr<FindValueReply> reply = Await<FindValueReply>([&](auto done) {
    client().FindValue(claimed, NodeId(crypto::Sha256(value)), {},
                       std::move(done));
  });
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_NE(reply.status().message().find(claimed.id.ShortHex()),
            std::string::npos)
      << reply.status();
  EXPECT_EQ(node_->stats().Snapshot().of(P2pMethod::kFindValue),
            (RpcCounts{.outbound = 1, .outbound_errors = 1}));
  std::vector<ContactReport> reports = observer_.results();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_FALSE(reports[0].node_id.has_value());
  // The lookup path charges the contact; here the client alone: nothing was
  // learned from the answer.
  EXPECT_FALSE(
      node_->routing().FindEntry(NodeId(liar_key.Id())).has_value());
}

// A node that changed its key answers at its old address as its new,
// certified ID: the call to the old contact fails, but the old contact is
// dropped, the new one learned, and the observer sees a success of the new
// ID at that address (peer-manager replaces the ID).
TEST_F(GrpcPeerClientTest, AnAuthenticatedNewIdAtAKnownAddressReplacesTheOld) {
  const Contact old_contact{.id = NodeId::Random(gen_),
                            .address = peer_->contact().address};
  ASSERT_TRUE(node_->routing().Learn(old_contact).ok());
  absl::StatusOr<FindNodeReply> reply = Await<FindNodeReply>([&](auto done) {
    client().FindNode(old_contact, NodeId(), {}, std::move(done));
  });
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(node_->routing().FindEntry(old_contact.id).has_value());
  EXPECT_TRUE(node_->routing().FindEntry(peer_->contact().id).has_value());
  EXPECT_EQ(node_->learner().moved_removed(), 1u);
  std::vector<ContactReport> reports = observer_.results();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].status.ok()) << reports[0].status;
  EXPECT_EQ(reports[0].address, peer_->contact().address);
  EXPECT_EQ(reports[0].node_id, peer_->contact().id);
}

TEST_F(GrpcPeerClientTest, TlsClientCannotTalkToAPlaintextPeer) {
  absl::StatusOr<std::unique_ptr<ScriptedPeer>> plain =
      ScriptedPeer::Start(TestKey(gen_), /*insecure=*/true);
  ASSERT_TRUE(plain.ok());
  absl::StatusOr<PingReply> reply = Await<PingReply>([&](auto done) {
    client().Ping((*plain)->contact().address, {}, std::move(done));
  });
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*plain)->calls(), 0);
}

TEST_F(GrpcPeerClientTest, AnswersAreCappedAtKAndMalformedContactsDropped) {
  std::vector<p2p::v1::Contact> contacts;
  for (int i = 0; i < 30; ++i) {
    Contact c{.id = NodeId::Random(gen_),
              .address = absl::StrCat("10.0.0.", i + 1, ":8000")};
    contacts.push_back(ContactToProto(c));
  }
  contacts[3].set_node_id("not 32 bytes");
  contacts[5].set_address("10.0.0.6");  // no port
  peer_->SetContacts(contacts);
  absl::StatusOr<FindNodeReply> reply = Await<FindNodeReply>([&](auto done) {
    client().FindNode(peer_->contact(), NodeId(), {}, std::move(done));
  });
  ASSERT_TRUE(reply.ok()) << reply.status();
  ASSERT_EQ(reply->contacts.size(), 18u) << "first 20 entries, 2 malformed";
  EXPECT_EQ(reply->contacts[3].address, "10.0.0.5:8000");
}

TEST_F(GrpcPeerClientTest, RemoteErrorsPassThrough) {
  peer_->SetStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "full"));
  absl::StatusOr<StoreReply> reply = Await<StoreReply>([&](auto done) {
    client().Store(peer_->contact(), NodeId(crypto::Sha256("x")), "x", {},
                   std::move(done));
  });
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  absl::StatusOr<GetPeersReply> peers = Await<GetPeersReply>([&](auto done) {
    client().GetPeers(peer_->contact().address, 10, {}, std::move(done));
  });
  EXPECT_EQ(peers.status().code(), absl::StatusCode::kUnimplemented);
}

TEST_F(GrpcPeerClientTest, SilentPeerFailsAtTheDeadline) {
  absl::StatusOr<std::unique_ptr<SilentPeer>> silent = SilentPeer::Start();
  ASSERT_TRUE(silent.ok()) << silent.status();
  const absl::Time start = absl::Now();
  absl::StatusOr<PingReply> reply = Await<PingReply>([&](auto done) {
    client().Ping((*silent)->address(),
                  CallOptions{.timeout = absl::Milliseconds(300)},
                  std::move(done));
  });
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, absl::Milliseconds(250));
  EXPECT_LT(elapsed, absl::Seconds(3));
}

TEST_F(GrpcPeerClientTest, ClosedPortIsUnavailableBeforeTheDeadline) {
  std::string address;
  {
    absl::StatusOr<std::unique_ptr<SilentPeer>> gone = SilentPeer::Start();
    ASSERT_TRUE(gone.ok());
    address = (*gone)->address();
  }
  const absl::Time start = absl::Now();
  absl::StatusOr<PingReply> reply = Await<PingReply>([&](auto done) {
    client().Ping(address, CallOptions{.timeout = absl::Seconds(10)},
                  std::move(done));
  });
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST_F(GrpcPeerClientTest, BadArgumentsFailInlineWithoutSending) {
  bool called = false;
  client().Ping("no-port", {}, [&](absl::StatusOr<PingReply> r) {
    called = true;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  });
  EXPECT_TRUE(called);
  called = false;
  client().SharePeers(peer_->contact().address, std::vector<PeerEntry>(101), {},
                      [&](absl::StatusOr<SharePeersReply> r) {
                        called = true;
                        EXPECT_EQ(r.status().code(),
                                  absl::StatusCode::kResourceExhausted);
                      });
  EXPECT_TRUE(called);
  EXPECT_EQ(node_->stats().Snapshot().bytes_sent, 0u);
  EXPECT_EQ(peer_->calls(), 0);
}

TEST_F(GrpcPeerClientTest, ResultsAreNotReportedWhenTheCallerSaysSo) {
  ASSERT_TRUE(Await<PingReply>([&](auto done) {
                client().Ping(peer_->contact().address,
                              CallOptions{.report_result = false},
                              std::move(done));
              }).ok());
  EXPECT_TRUE(observer_.results().empty());
}

TEST_F(GrpcPeerClientTest, DestructorCancelsCallsInFlightAndWaits) {
  absl::StatusOr<std::unique_ptr<SilentPeer>> silent = SilentPeer::Start();
  ASSERT_TRUE(silent.ok());
  SelfContact self(NodeId::Random(gen_), "127.0.0.1:1");
  ChannelCache channels({});
  TrafficStats stats;
  absl::StatusOr<std::unique_ptr<GrpcPeerClient>> client =
      GrpcPeerClient::Create(self, channels, stats, RealClock(), {});
  ASSERT_TRUE(client.ok());
  absl::Notification done;
  absl::Status status;
  (*client)->FindNode(
      Contact{.id = NodeId::Random(gen_), .address = (*silent)->address()},
      NodeId(), CallOptions{.timeout = absl::Seconds(60)},
      [&](absl::StatusOr<FindNodeReply> r) {
        status = r.status();
        done.Notify();
      });
  EXPECT_EQ((*client)->in_flight(), 1u);
  const absl::Time start = absl::Now();
  client->reset();
  EXPECT_TRUE(done.HasBeenNotified()) << "completion ran before destruction";
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// A call that timed out or found the peer unreachable drops the cached
// channel, so the next call dials afresh (after a partition heals, the old
// connection may be dead without TCP knowing); a successful call keeps it.
TEST(GrpcPeerClientChannelTest, FailedCallsDropTheChannelSuccessfulOnesKeepIt) {
  std::mt19937_64 gen{99};
  absl::StatusOr<std::unique_ptr<SilentPeer>> silent = SilentPeer::Start();
  ASSERT_TRUE(silent.ok());
  absl::StatusOr<std::unique_ptr<ScriptedPeer>> live =
      ScriptedPeer::Start(TestKey(gen), /*insecure=*/true);
  ASSERT_TRUE(live.ok());
  SelfContact self(NodeId::Random(gen), "127.0.0.1:1");
  ChannelCache channels({});
  TrafficStats stats;
  absl::StatusOr<std::unique_ptr<GrpcPeerClient>> client =
      GrpcPeerClient::Create(self, channels, stats, RealClock(), {});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(Await<PingReply>([&](auto done) {
                (*client)->Ping((*live)->contact().address, {},
                                std::move(done));
              }).ok());
  EXPECT_EQ(channels.size(), 1u);
  absl::StatusOr<PingReply> timed_out = Await<PingReply>([&](auto done) {
    (*client)->Ping((*silent)->address(),
                    CallOptions{.timeout = absl::Milliseconds(200)},
                    std::move(done));
  });
  EXPECT_EQ(timed_out.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(channels.size(), 1u) << "only the live peer's channel is left";
}

TEST(GrpcPeerClientOptionsTest, Validates) {
  EXPECT_TRUE(GrpcPeerClientOptions{}.Validate().ok());
  EXPECT_FALSE(GrpcPeerClientOptions{.rpc_timeout = absl::ZeroDuration()}
                   .Validate()
                   .ok());
  EXPECT_FALSE(GrpcPeerClientOptions{.max_contacts = 0}.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::dht
