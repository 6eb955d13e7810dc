// Identity rotation in a network of whole nodes over mutual TLS on
// loopback: the rotated node gets the ID of its new key (kept across a
// restart), every value stays readable from every other node (also values
// only the rotated node held), and the other nodes drop its old ID.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto/node_key.h"
#include "common/crypto/sha256.h"
#include "common/io/atomic_file.h"
#include "services/dht/dht_network_fixture.h"
#include "services/dht/identity_rotation.h"
#include "services/dht/node_identity.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

constexpr int kNodes = 8;
constexpr int kRotated = 3;

class IdentityRotationTest : public DhtNetworkTest {
 protected:
  void SetUp() override {
    DhtNetworkTest::SetUp();
    TestNodeOptions options;
    options.lookup.lookup.k = 3;  // replicas at 3 of the 8 nodes
    options.observer = &observer_;
    Build(kNodes, options);
  }
  // The nodes report to observer_, which goes before the fixture's nodes.
  void TearDown() override { nodes_.clear(); }

  // Polls `done` for up to 20 s.
  template <typename Pred>
  static bool Eventually(Pred done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (!done()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(10));  // polling, not waiting
    }
    return true;
  }

  std::string NodeDir(int i) const { return absl::StrCat(dir_, "/", i); }

  RecordingObserver observer_;
};

TEST_F(IdentityRotationTest, NewIdFromTheNewKeyAndEveryValueStaysReadable) {
  // Values put the usual way, from several nodes...
  std::vector<std::string> values;
  for (int i = 0; i < 6; ++i) {
    values.push_back(absl::StrCat("put from node ", i, " before rotating"));
    dht::v1::PutDataResponse put;
    ASSERT_TRUE(Put(i, values.back(), &put).ok());
  }
  // ...and values only the rotated node holds: they reach the others only
  // through the hand-over.
  for (int i = 0; i < 4; ++i) {
    values.push_back(absl::StrCat("held only by the rotated node ", i));
    ASSERT_TRUE(nodes_[kRotated]
                    ->store()
                    .Put(NodeId(crypto::Sha256(values.back())), values.back())
                    .ok());
  }
  const NodeId old_id = ids_[kRotated];
  const std::string address = nodes_[kRotated]->address();
  const uint64_t held = nodes_[kRotated]->store().stats().keys;

  dht::v1::RotateIdentityRequest request;
  dht::v1::RotateIdentityResponse rotated;
  grpc::Status status = Call(*Api(kRotated), &DhtService::Stub::RotateIdentity,
                             request, &rotated);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // The ID changed, to the new key's, which is stored (the old one kept).
  const NodeId new_id = nodes_[kRotated]->id();
  EXPECT_NE(new_id, old_id);
  EXPECT_EQ(rotated.old_node_id(), old_id.ToHex());
  EXPECT_EQ(rotated.new_node_id(), new_id.ToHex());
  absl::StatusOr<LoadedNodeKey> key = LoadOrCreateNodeKey(NodeDir(kRotated));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(NodeIdOf(key->key), new_id);
  EXPECT_EQ(new_id, NodeId(crypto::Sha256(key->key.PublicKeyDer())));
  absl::StatusOr<std::string> previous =
      io::ReadFile(NodeDir(kRotated) + "/" + kPreviousNodeKeyFileName);
  ASSERT_TRUE(previous.ok());
  EXPECT_EQ(NodeIdOf(*crypto::NodeKey::FromPem(*previous)), old_id);
  EXPECT_EQ(nodes_[kRotated]->address(), address) << "same P2P port";
  EXPECT_EQ(rotated.values(), held);
  EXPECT_EQ(rotated.values_handed_over(), held);
  EXPECT_GE(rotated.replicas_stored(), held);

  // Every value, from every other node.
  for (int i = 0; i < kNodes; ++i) {
    if (i == kRotated) continue;
    for (const std::string& value : values) {
      dht::v1::GetDataResponse got;
      grpc::Status s = Get(i, NodeId(crypto::Sha256(value)).ToHex(), &got);
      ASSERT_TRUE(s.ok()) << "node " << i << ", " << value << ": "
                          << s.error_message();
      EXPECT_EQ(got.data(), value);
    }
  }

  // The others drop the old ID (the rotated node pinged each of them; each
  // found the new ID answering at the old one's address) and find the new.
  for (int i = 0; i < kNodes; ++i) {
    if (i == kRotated) continue;
    EXPECT_TRUE(Eventually([&] {
      return !nodes_[i]->routing().FindEntry(old_id).has_value() &&
             nodes_[i]->routing().FindEntry(new_id).has_value();
    })) << "node " << i;
  }
  kademlia::LookupResult found =
      nodes_[0]->lookups().Run(new_id, kademlia::LookupKind::kFindNode);
  ASSERT_FALSE(found.closest.empty());
  EXPECT_EQ(found.closest[0].id, new_id);
  EXPECT_EQ(found.closest[0].address, address);
  // What peer-manager hears: the new ID answering at the address (it
  // replaces the address's ID on such a success), never a failure of it.
  bool reported = false;
  for (const ContactReport& r : observer_.results()) {
    if (r.address == address && r.node_id == new_id && r.status.ok()) {
      reported = true;
    }
  }
  EXPECT_TRUE(reported);

  // A restart keeps the new identity.
  nodes_[kRotated].reset();
  nodes_[kRotated] = StartNode(kRotated);  // its TestKey is ignored
  ASSERT_NE(nodes_[kRotated], nullptr);
  EXPECT_EQ(nodes_[kRotated]->id(), new_id);
}

TEST_F(IdentityRotationTest, RotatingTwiceKeepsTheNetworkConsistent) {
  const std::string value = "survives two rotations";
  dht::v1::PutDataResponse put;
  ASSERT_TRUE(Put(kRotated, value, &put).ok());
  absl::StatusOr<RotationResult> first =
      nodes_[kRotated]->node().RotateIdentityNow();
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<RotationResult> second =
      nodes_[kRotated]->node().RotateIdentityNow();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->old_id, first->new_id);
  EXPECT_NE(second->new_id, first->old_id);
  for (int i = 0; i < kNodes; ++i) {
    if (i == kRotated) continue;
    dht::v1::GetDataResponse got;
    ASSERT_TRUE(Get(i, put.hash(), &got).ok()) << "node " << i;
    EXPECT_TRUE(Eventually([&] {
      return !nodes_[i]->routing().FindEntry(first->old_id).has_value() &&
             !nodes_[i]->routing().FindEntry(first->new_id).has_value();
    })) << "node " << i;
  }
}

TEST_F(IdentityRotationTest, NoRotationOnceShuttingDown) {
  DhtNode& node = nodes_[kRotated]->node();
  const NodeId before = node.id();
  node.Shutdown();
  absl::StatusOr<RotationResult> r = node.RotateIdentityNow();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(node.id(), before);
  absl::StatusOr<LoadedNodeKey> key = LoadOrCreateNodeKey(NodeDir(kRotated));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(NodeIdOf(key->key), before);
}

}  // namespace
}  // namespace datamgmt::dht
