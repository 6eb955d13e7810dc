#include "services/dht/node_identity.h"

#include <filesystem>
#include <random>

#include "absl/random/random.h"
#include "common/io/atomic_file.h"
#include "gtest/gtest.h"

namespace datamgmt::dht {
namespace {

class NodeIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::seed_seq seed_{99};
  std::mt19937_64 gen_{seed_};
};

TEST_F(NodeIdentityTest, CreatedOnceThenKept) {
  absl::StatusOr<kademlia::NodeId> first = LoadOrCreateNodeId(dir_, gen_);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<kademlia::NodeId> second = LoadOrCreateNodeId(dir_, gen_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*first, *second);
  EXPECT_EQ(*io::ReadFile(dir_ + "/node_id"), first->ToHex() + "\n");
  EXPECT_EQ(
      std::filesystem::status(dir_ + "/node_id").permissions() &
          std::filesystem::perms::all,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(NodeIdentityTest, DifferentDirectoriesGetDifferentIds) {
  auto a = LoadOrCreateNodeId(dir_ + "/a", gen_);
  auto b = LoadOrCreateNodeId(dir_ + "/b", gen_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
}

TEST_F(NodeIdentityTest, CorruptFileIsAnErrorAndIsNotOverwritten) {
  ASSERT_TRUE(io::MakeDirectories(dir_).ok());
  ASSERT_TRUE(io::WriteFileAtomically(dir_ + "/node_id", "not-an-id\n").ok());
  absl::StatusOr<kademlia::NodeId> id = LoadOrCreateNodeId(dir_, gen_);
  EXPECT_EQ(id.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(id.status().message().find(dir_ + "/node_id"), std::string::npos);
  EXPECT_EQ(*io::ReadFile(dir_ + "/node_id"), "not-an-id\n");
}

}  // namespace
}  // namespace datamgmt::dht
