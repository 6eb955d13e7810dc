#include "services/dht/node_identity.h"

#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "common/crypto/sha256.h"
#include "common/io/atomic_file.h"
#include "gtest/gtest.h"

namespace datamgmt::dht {
namespace {

namespace fs = std::filesystem;

constexpr fs::perms kOwnerOnly = fs::perms::owner_read | fs::perms::owner_write;

class NodeIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
  }
  fs::perms Perms(const std::string& name) {
    return fs::status(dir_ + "/" + name).permissions() & fs::perms::all;
  }
  std::string dir_;
};

TEST_F(NodeIdentityTest, KeyCreatedOnceThenKeptAndTheIdIsItsSpkiHash) {
  absl::StatusOr<LoadedNodeKey> first = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(first->replaced_legacy_id.has_value());
  absl::StatusOr<LoadedNodeKey> second = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->created);
  EXPECT_EQ(NodeIdOf(first->key), NodeIdOf(second->key));
  EXPECT_EQ(NodeIdOf(second->key),
            kademlia::NodeId(crypto::Sha256(second->key.PublicKeyDer())));
  EXPECT_EQ(*io::ReadFile(dir_ + "/node_key.pem"), first->key.PrivateKeyPem());
  EXPECT_EQ(Perms("node_key.pem"), kOwnerOnly);
}

TEST_F(NodeIdentityTest, DifferentDirectoriesGetDifferentIds) {
  auto a = LoadOrCreateNodeKey(dir_ + "/a");
  auto b = LoadOrCreateNodeKey(dir_ + "/b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(NodeIdOf(a->key), NodeIdOf(b->key));
}

TEST_F(NodeIdentityTest, CorruptKeyIsAnErrorAndIsNotOverwritten) {
  ASSERT_TRUE(io::MakeDirectories(dir_).ok());
  ASSERT_TRUE(
      io::WriteFileAtomically(dir_ + "/node_key.pem", "not-a-key\n", 0600).ok());
  absl::StatusOr<LoadedNodeKey> key = LoadOrCreateNodeKey(dir_);
  EXPECT_EQ(key.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(key.status().message().find(dir_ + "/node_key.pem"),
            std::string::npos)
      << key.status();
  EXPECT_EQ(*io::ReadFile(dir_ + "/node_key.pem"), "not-a-key\n");
}

TEST_F(NodeIdentityTest, ReadableKeyIsMadeOwnerOnly) {
  absl::StatusOr<LoadedNodeKey> created = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(::chmod((dir_ + "/node_key.pem").c_str(), 0644), 0);
  absl::StatusOr<LoadedNodeKey> loaded = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->permissions_fixed);
  EXPECT_EQ(Perms("node_key.pem"), kOwnerOnly);
  EXPECT_EQ(NodeIdOf(loaded->key), NodeIdOf(created->key));
}

TEST_F(NodeIdentityTest, LegacyRandomIdIsRetiredOnce) {
  ASSERT_TRUE(io::MakeDirectories(dir_).ok());
  const std::string legacy(64, 'a');
  ASSERT_TRUE(
      io::WriteFileAtomically(dir_ + "/node_id", legacy + "\n", 0600).ok());
  absl::StatusOr<LoadedNodeKey> key = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(key.ok()) << key.status();
  ASSERT_TRUE(key->replaced_legacy_id.has_value());
  EXPECT_EQ(*key->replaced_legacy_id, legacy);
  EXPECT_NE(NodeIdOf(key->key).ToHex(), legacy);
  EXPECT_FALSE(fs::exists(dir_ + "/node_id"));
  EXPECT_EQ(*io::ReadFile(dir_ + "/node_id.replaced"), legacy + "\n");
  absl::StatusOr<LoadedNodeKey> again = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->replaced_legacy_id.has_value());
}

TEST_F(NodeIdentityTest, ReplaceKeepsThePreviousKey) {
  absl::StatusOr<LoadedNodeKey> current = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(current.ok());
  absl::StatusOr<crypto::NodeKey> next = crypto::NodeKey::Generate();
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(ReplaceNodeKey(dir_, current->key, *next).ok());
  absl::StatusOr<LoadedNodeKey> loaded = LoadOrCreateNodeKey(dir_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(NodeIdOf(loaded->key), NodeIdOf(*next));
  EXPECT_EQ(*io::ReadFile(dir_ + "/node_key.pem.previous"),
            current->key.PrivateKeyPem());
  EXPECT_EQ(Perms("node_key.pem"), kOwnerOnly);
  EXPECT_EQ(Perms("node_key.pem.previous"), kOwnerOnly);
}

}  // namespace
}  // namespace datamgmt::dht
