#include "services/dht/content_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/sha256.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

constexpr char kContentFamily[] = "content";
constexpr char kMetaFamily[] = "meta";
constexpr char kCountersKey[] = "counters";

rocksdb::Slice KeySlice(const NodeId& key) {
  return rocksdb::Slice(reinterpret_cast<const char*>(key.bytes().data()),
                        key.bytes().size());
}

absl::Status FromRocks(const rocksdb::Status& s, absl::string_view what) {
  if (s.ok()) return absl::OkStatus();
  const std::string msg = absl::StrCat(what, ": ", s.ToString());
  if (s.IsNotFound()) return absl::NotFoundError(msg);
  if (s.IsCorruption()) return absl::DataLossError(msg);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(msg);
  if (s.IsIOError() || s.IsBusy() || s.IsTryAgain()) {
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

// Counters are two little-endian uint64s: keys, bytes.
std::string EncodeCounters(const ContentStoreStats& c) {
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(c.keys >> (8 * i));
    out[8 + i] = static_cast<char>(c.bytes >> (8 * i));
  }
  return out;
}

absl::StatusOr<ContentStoreStats> DecodeCounters(absl::string_view in) {
  if (in.size() != 16) {
    return absl::DataLossError(
        absl::StrCat("content store counters are ", in.size(), " bytes"));
  }
  ContentStoreStats c;
  for (int i = 0; i < 8; ++i) {
    c.keys |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
    c.bytes |= static_cast<uint64_t>(static_cast<uint8_t>(in[8 + i]))
               << (8 * i);
  }
  return c;
}

}  // namespace

NodeId ContentKey(absl::string_view value) {
  return NodeId(crypto::Sha256(value));
}

absl::Status ContentStoreOptions::Validate() const {
  if (path.empty()) {
    return absl::InvalidArgumentError("content store path must be set");
  }
  if (write_buffer_bytes < (64 << 10)) {
    return absl::InvalidArgumentError(
        "content store write buffer must be at least 64 KiB");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ContentStore>> ContentStore::Open(
    const ContentStoreOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;

  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_open_files = 256;
  db_options.keep_log_file_num = 4;
  db_options.max_background_jobs = 2;

  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.write_buffer_size = options.write_buffer_bytes;
  cf_options.max_write_buffer_number = 2;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf_options},
      {kContentFamily, cf_options},
      {kMetaFamily, rocksdb::ColumnFamilyOptions()},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, options.path, families, &handles, &raw);
  if (!s.ok()) {
    return FromRocks(s,
                     absl::StrCat("cannot open content store ", options.path));
  }
  std::unique_ptr<rocksdb::DB> db(raw);

  ContentStoreStats stats;
  std::string counters;
  s = db->Get(rocksdb::ReadOptions(), handles[2], kCountersKey, &counters);
  if (s.ok()) {
    absl::StatusOr<ContentStoreStats> decoded = DecodeCounters(counters);
    if (!decoded.ok()) {
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      return decoded.status();
    }
    stats = *decoded;
  } else if (!s.IsNotFound()) {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    return FromRocks(s, "cannot read content store counters");
  }
  return std::unique_ptr<ContentStore>(new ContentStore(
      std::move(db), std::move(handles), options.sync_writes, stats));
}

ContentStore::ContentStore(std::unique_ptr<rocksdb::DB> db,
                           std::vector<rocksdb::ColumnFamilyHandle*> handles,
                           bool sync_writes, ContentStoreStats stats)
    : db_(std::move(db)),
      content_(handles[1]),
      meta_(handles[2]),
      sync_writes_(sync_writes),
      keys_(stats.keys),
      bytes_(stats.bytes) {
  db_->DestroyColumnFamilyHandle(handles[0]);  // default family is unused
}

ContentStore::~ContentStore() {
  db_->DestroyColumnFamilyHandle(content_);
  db_->DestroyColumnFamilyHandle(meta_);
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<bool> ContentStore::Put(const NodeId& key,
                                       absl::string_view value) {
  if (ContentKey(value) != key) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value does not hash to its key ", key.ToHex(), " (SHA-256 mismatch)"));
  }
  return Write(key, value);
}

absl::StatusOr<StoredValue> ContentStore::Put(absl::string_view value) {
  const NodeId key = ContentKey(value);
  absl::StatusOr<bool> added = Write(key, value);
  if (!added.ok()) return added.status();
  return StoredValue{.key = key, .added = *added};
}

absl::StatusOr<bool> ContentStore::Write(const NodeId& key,
                                         absl::string_view value) {
  absl::MutexLock lock(&write_mu_);
  if (Contains(key)) return false;
  ContentStoreStats next{keys_.load() + 1, bytes_.load() + value.size()};
  rocksdb::WriteBatch batch;
  batch.Put(content_, KeySlice(key),
            rocksdb::Slice(value.data(), value.size()));
  batch.Put(meta_, kCountersKey, EncodeCounters(next));
  rocksdb::WriteOptions write;
  write.sync = sync_writes_;
  if (absl::Status s =
          FromRocks(db_->Write(write, &batch), "cannot store value");
      !s.ok()) {
    return s;
  }
  keys_.store(next.keys);
  bytes_.store(next.bytes);
  return true;
}

absl::StatusOr<std::string> ContentStore::Get(const NodeId& key) const {
  std::string value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), content_, KeySlice(key), &value);
  if (s.IsNotFound()) return absl::NotFoundError("Data not found");
  if (absl::Status st = FromRocks(s, "cannot read value"); !st.ok()) return st;
  if (ContentKey(value) != key) {
    return absl::DataLossError(absl::StrCat("stored value for ", key.ToHex(),
                                            " is corrupt (SHA-256 mismatch)"));
  }
  return value;
}

bool ContentStore::Contains(const NodeId& key) const {
  rocksdb::PinnableSlice value;
  return db_->Get(rocksdb::ReadOptions(), content_, KeySlice(key), &value).ok();
}

absl::Status ContentStore::Delete(const NodeId& key) {
  absl::MutexLock lock(&write_mu_);
  rocksdb::PinnableSlice value;
  rocksdb::Status s =
      db_->Get(rocksdb::ReadOptions(), content_, KeySlice(key), &value);
  if (s.IsNotFound()) return absl::OkStatus();
  if (absl::Status st = FromRocks(s, "cannot read value"); !st.ok()) return st;
  ContentStoreStats next{keys_.load() - 1, bytes_.load() - value.size()};
  rocksdb::WriteBatch batch;
  batch.Delete(content_, KeySlice(key));
  batch.Put(meta_, kCountersKey, EncodeCounters(next));
  rocksdb::WriteOptions write;
  write.sync = sync_writes_;
  if (absl::Status st =
          FromRocks(db_->Write(write, &batch), "cannot delete value");
      !st.ok()) {
    return st;
  }
  keys_.store(next.keys);
  bytes_.store(next.bytes);
  return absl::OkStatus();
}

ContentStoreStats ContentStore::stats() const {
  return ContentStoreStats{keys_.load(), bytes_.load()};
}

void ContentStore::ForEachKey(absl::FunctionRef<bool(const NodeId&)> fn) const {
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), content_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    absl::StatusOr<NodeId> key = NodeId::FromBytes(
        absl::string_view(it->key().data(), it->key().size()));
    if (!key.ok()) continue;  // not a content key; never written by Put
    if (!fn(*key)) break;
  }
}

}  // namespace datamgmt::dht
