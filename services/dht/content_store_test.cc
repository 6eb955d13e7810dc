#include "services/dht/content_store.h"

#include <filesystem>
#include <set>

#include "gtest/gtest.h"
#include "rocksdb/db.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

class ContentStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::string(::testing::TempDir()) + "/" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(path_);
  }
  std::unique_ptr<ContentStore> OpenStore() {
    absl::StatusOr<std::unique_ptr<ContentStore>> store =
        ContentStore::Open({.path = path_});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? std::move(*store) : nullptr;
  }
  std::string path_;
};

std::string AllByteValues() {
  std::string out;
  for (int i = 0; i < 256; ++i) out.push_back(static_cast<char>(i));
  return out;
}

TEST_F(ContentStoreTest, KeyIsSha256OfValue) {
  EXPECT_EQ(ContentKey("abc").ToHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(ContentStoreTest, PutGetRoundTripOfBinaryBytes) {
  auto store = OpenStore();
  const std::string value = AllByteValues();
  const NodeId key = ContentKey(value);
  absl::StatusOr<bool> added = store->Put(key, value);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_TRUE(*added);
  absl::StatusOr<std::string> back = store->Get(key);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, value);
  EXPECT_TRUE(store->Contains(key));
  EXPECT_EQ(store->stats().keys, 1u);
  EXPECT_EQ(store->stats().bytes, 256u);
}

TEST_F(ContentStoreTest, PutOfAValueAloneStoresItUnderItsHash) {
  auto store = OpenStore();
  absl::StatusOr<StoredValue> stored = store->Put("abc");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->key.ToHex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_TRUE(stored->added);
  EXPECT_EQ(*store->Get(stored->key), "abc");
  EXPECT_FALSE(store->Put("abc")->added);
  EXPECT_EQ(store->stats().keys, 1u);
}

TEST_F(ContentStoreTest, EmptyValueIsStorable) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Put(ContentKey(""), "").ok());
  EXPECT_EQ(*store->Get(ContentKey("")), "");
}

TEST_F(ContentStoreTest, SecondPutOfSameValueIsNotNew) {
  auto store = OpenStore();
  ASSERT_TRUE(*store->Put(ContentKey("x"), "x"));
  absl::StatusOr<bool> again = store->Put(ContentKey("x"), "x");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(store->stats().keys, 1u);
  EXPECT_EQ(store->stats().bytes, 1u);
}

TEST_F(ContentStoreTest, TamperedValueIsRejectedAndNothingStored) {
  auto store = OpenStore();
  const NodeId key = ContentKey("genuine");
  absl::StatusOr<bool> put = store->Put(key, "tampered");
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(put.status().message().find("SHA-256 mismatch"), std::string::npos);
  EXPECT_FALSE(store->Contains(key));
  EXPECT_EQ(store->stats().keys, 0u);
  EXPECT_EQ(store->stats().bytes, 0u);
}

TEST_F(ContentStoreTest, UnknownKeyIsNotFoundWithSeedMessage) {
  auto store = OpenStore();
  absl::StatusOr<std::string> got = store->Get(ContentKey("never stored"));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), "Data not found");
}

TEST_F(ContentStoreTest, DataAndCountersSurviveReopen) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Put(ContentKey("one"), "one").ok());
    ASSERT_TRUE(store->Put(ContentKey("three"), "three").ok());
  }
  auto store = OpenStore();
  EXPECT_EQ(*store->Get(ContentKey("one")), "one");
  EXPECT_EQ(*store->Get(ContentKey("three")), "three");
  EXPECT_EQ(store->stats().keys, 2u);
  EXPECT_EQ(store->stats().bytes, 8u);
}

TEST_F(ContentStoreTest, DeleteUpdatesCountersAndIsIdempotent) {
  auto store = OpenStore();
  ASSERT_TRUE(store->Put(ContentKey("gone"), "gone").ok());
  ASSERT_TRUE(store->Delete(ContentKey("gone")).ok());
  EXPECT_FALSE(store->Contains(ContentKey("gone")));
  EXPECT_EQ(store->stats().keys, 0u);
  EXPECT_EQ(store->stats().bytes, 0u);
  EXPECT_TRUE(store->Delete(ContentKey("gone")).ok());
  EXPECT_EQ(store->stats().keys, 0u);
}

TEST_F(ContentStoreTest, ForEachKeyVisitsEveryKeyInOrderAndCanStop) {
  auto store = OpenStore();
  std::set<NodeId> expected;
  for (int i = 0; i < 50; ++i) {
    const std::string v = "value " + std::to_string(i);
    ASSERT_TRUE(store->Put(ContentKey(v), v).ok());
    expected.insert(ContentKey(v));
  }
  std::vector<NodeId> seen;
  store->ForEachKey([&](const NodeId& k) {
    seen.push_back(k);
    return true;
  });
  EXPECT_EQ(std::set<NodeId>(seen.begin(), seen.end()), expected);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  int visited = 0;
  store->ForEachKey([&](const NodeId&) { return ++visited < 5; });
  EXPECT_EQ(visited, 5);
}

TEST_F(ContentStoreTest, CorruptionOnDiskIsReportedNotServed) {
  const NodeId key = ContentKey("original");
  {
    auto store = OpenStore();
    ASSERT_TRUE(store->Put(key, "original").ok());
  }
  {  // Overwrite the value behind the store's back.
    rocksdb::DB* raw = nullptr;
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::ColumnFamilyOptions cf;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path_,
                                  {{rocksdb::kDefaultColumnFamilyName, cf},
                                   {"content", cf},
                                   {"meta", cf}},
                                  &handles, &raw)
                    .ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    const std::string k = key.ToBytes();
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), handles[1], k, "evil").ok());
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  }
  auto store = OpenStore();
  absl::StatusOr<std::string> got = store->Get(key);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDataLoss) << got.status();
}

TEST_F(ContentStoreTest, SecondOpenOfSameDirectoryFailsClearly) {
  auto first = OpenStore();
  absl::StatusOr<std::unique_ptr<ContentStore>> second =
      ContentStore::Open({.path = path_});
  EXPECT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find(path_), std::string::npos)
      << second.status();
}

TEST_F(ContentStoreTest, RejectsEmptyPath) {
  EXPECT_EQ(ContentStore::Open({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace datamgmt::dht
