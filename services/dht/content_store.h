// Content-addressed storage for dht-service, on RocksDB.
//
// A value is stored under its SHA-256: the key is NodeId-shaped and every
// value is verified against it on the way in (a mismatch is rejected) and on
// the way out (disk corruption is reported, never served).
//
//   absl::StatusOr<std::unique_ptr<ContentStore>> store =
//       ContentStore::Open({.path = data_dir + "/content"});
//   NodeId key = ContentKey(bytes);
//   (*store)->Put(key, bytes);           // true if new
//   absl::StatusOr<std::string> v = (*store)->Get(key);
//
// Thread-safe. Writes are serialised by a mutex held only for local RocksDB
// calls; reads run concurrently.
#ifndef DATAMGMT_SERVICES_DHT_CONTENT_STORE_H_
#define DATAMGMT_SERVICES_DHT_CONTENT_STORE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/kademlia/node_id.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
}  // namespace rocksdb

namespace datamgmt::dht {

// The key a value is stored under: SHA-256(value).
kademlia::NodeId ContentKey(absl::string_view value);

struct ContentStoreOptions {
  // Directory of the RocksDB database; created if missing. Required.
  std::string path;
  // fsync the write-ahead log on every write. With false, an acknowledged
  // write survives a crash of the process but not of the machine (the other
  // k-1 replicas cover that). Default: false.
  bool sync_writes = false;
  // RocksDB block cache for reads. Default: 8 MiB.
  size_t block_cache_bytes = 8 << 20;
  // RocksDB memtable size. Default: 4 MiB (keeps an idle node small).
  size_t write_buffer_bytes = 4 << 20;

  absl::Status Validate() const;
};

// What Put(value) stored.
struct StoredValue {
  kademlia::NodeId key;  // SHA-256 of the value
  bool added = false;    // false if it was already held
};

struct ContentStoreStats {
  uint64_t keys = 0;
  uint64_t bytes = 0;  // sum of value sizes
};

class ContentStore {
 public:
  // Opens (or creates) the database. Returns InvalidArgument for bad
  // options, or the RocksDB error (e.g. Unavailable if another process holds
  // the database lock) with the path in the message.
  static absl::StatusOr<std::unique_ptr<ContentStore>> Open(
      const ContentStoreOptions& options);

  ~ContentStore();
  ContentStore(const ContentStore&) = delete;
  ContentStore& operator=(const ContentStore&) = delete;

  // Stores `value` under `key`. Returns true if it was new, false if it was
  // already held (nothing is rewritten). Returns InvalidArgument, storing
  // nothing, if SHA-256(value) != key; no other error is InvalidArgument.
  // For values that arrive with a claimed key (a peer's Store).
  absl::StatusOr<bool> Put(const kademlia::NodeId& key,
                           absl::string_view value);

  // Stores `value` under its own key, hashing it once (no check is needed:
  // the key is computed here). For values that originate on this node.
  absl::StatusOr<StoredValue> Put(absl::string_view value);

  // Returns the value, NotFound("Data not found") if absent, or DataLoss if
  // the stored bytes no longer hash to `key` (the entry is then unusable and
  // should be re-fetched from a peer).
  absl::StatusOr<std::string> Get(const kademlia::NodeId& key) const;

  // True if `key` is stored (no verification).
  bool Contains(const kademlia::NodeId& key) const;

  // Removes `key`; OK if it was absent.
  absl::Status Delete(const kademlia::NodeId& key);

  ContentStoreStats stats() const;

  // Calls `fn` for each stored key in key order until it returns false.
  // Sees a consistent snapshot; concurrent writes are not reflected.
  void ForEachKey(absl::FunctionRef<bool(const kademlia::NodeId&)> fn) const;

 private:
  // Writes `value` under `key`, which the caller has established is its
  // SHA-256. Returns true if it was new.
  absl::StatusOr<bool> Write(const kademlia::NodeId& key,
                             absl::string_view value);

  ContentStore(std::unique_ptr<rocksdb::DB> db,
               std::vector<rocksdb::ColumnFamilyHandle*> handles,
               bool sync_writes, ContentStoreStats stats);

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* content_;  // key: 32-byte ID, value: bytes
  rocksdb::ColumnFamilyHandle* meta_;     // counters
  const bool sync_writes_;

  // Serialises read-modify-write of the counters, which are persisted in
  // the same atomic batch as each value.
  absl::Mutex write_mu_;
  std::atomic<uint64_t> keys_;   // written under write_mu_
  std::atomic<uint64_t> bytes_;  // written under write_mu_
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_CONTENT_STORE_H_
