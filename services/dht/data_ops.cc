#include "services/dht/data_ops.h"

#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::LookupKind;
using kademlia::LookupResult;
using kademlia::NodeId;

namespace {

// Counts the Stores of one replication; the last completion reports.
struct Replication {
  Replication(int n, DataOps::ReplicateDone done)
      : remaining(n), done(std::move(done)) {}
  std::atomic<int> remaining;
  std::atomic<int> ok{0};
  DataOps::ReplicateDone done;
};

absl::Status LocalStoreError(const absl::Status& s) {
  if (s.code() == absl::StatusCode::kResourceExhausted) return s;
  return absl::InternalError(
      absl::StrCat("local storage failed: ", s.message()));
}

}  // namespace

absl::Status DataOpsOptions::Validate() const {
  if (max_value_bytes < 1 || max_value_bytes > kMaxValueBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_value_bytes must be in 1..", kMaxValueBytes));
  }
  if (store_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("store_timeout must not be negative");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DataOps>> DataOps::Create(
    ContentStore& store, LookupRunner& runner, PeerClient& client,
    DataOpsOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<DataOps>(
      new DataOps(store, runner, client, std::move(options)));
}

absl::Status DataOps::CheckSize(uint64_t size) const {
  if (size == 0) return absl::InvalidArgumentError("data is empty");
  if (size > options_.max_value_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("data is ", size, " bytes; the limit is ",
                     options_.max_value_bytes, " bytes"));
  }
  return absl::OkStatus();
}

void DataOps::Put(std::string value, PutDone done) {
  if (absl::Status s = CheckSize(value.size()); !s.ok()) {
    done(s);
    return;
  }
  absl::StatusOr<StoredValue> stored = store_.Put(value);
  if (!stored.ok()) {
    done(LocalStoreError(stored.status()));
    return;
  }
  const NodeId key = stored->key;
  const uint64_t size = value.size();
  Replicate(key, std::make_shared<const std::string>(std::move(value)),
            [key, size, done = std::move(done)](int stored) mutable {
              done(PutResult{.key = key,
                             .size = size,
                             .replicas = static_cast<uint32_t>(stored) + 1});
            });
}

void DataOps::Replicate(const NodeId& key,
                        std::shared_ptr<const std::string> value,
                        ReplicateDone done) {
  runner_.Start(
      key, LookupKind::kFindNode,
      [this, key, value = std::move(value),
       done = std::move(done)](LookupResult result) mutable {
        if (result.closest.empty()) {
          done(0);
          return;
        }
        auto replication = std::make_shared<Replication>(
            static_cast<int>(result.closest.size()), std::move(done));
        const CallOptions call{.timeout = options_.store_timeout};
        for (const Contact& peer : result.closest) {
          client_.Store(
              peer, key, *value, call,
              [replication](absl::StatusOr<StoreReply> reply) {
                if (reply.ok()) replication->ok.fetch_add(1);
                if (replication->remaining.fetch_sub(1) == 1) {
                  std::move(replication->done)(replication->ok.load());
                }
              });
        }
      });
}

void DataOps::Get(const NodeId& key, GetDone done) {
  absl::StatusOr<std::string> local = store_.Get(key);
  if (local.ok() || local.status().code() == absl::StatusCode::kInternal ||
      local.status().code() == absl::StatusCode::kUnavailable) {
    if (local.ok()) {
      done(std::move(local));
      return;
    }
    spdlog::warn("local read of {} failed: {}; asking the network", key.ToHex(),
                 local.status().ToString());
  } else if (local.status().code() == absl::StatusCode::kDataLoss) {
    spdlog::warn("{}; deleting it and fetching it again",
                 std::string(local.status().message()));
    if (absl::Status s = store_.Delete(key); !s.ok()) {
      spdlog::warn("cannot delete corrupt value {}: {}", key.ToHex(),
                   s.ToString());
    }
  }
  runner_.Start(
      key, LookupKind::kFindValue,
      [this, key, done = std::move(done)](LookupResult result) mutable {
        if (!result.value.has_value()) {
          done(absl::NotFoundError("Data not found"));
          return;
        }
        // Verified by the PeerClient; kept as a local copy.
        if (absl::StatusOr<bool> cached = store_.Put(key, *result.value);
            !cached.ok()) {
          spdlog::warn("cannot cache {} locally: {}", key.ToHex(),
                       cached.status().ToString());
        }
        done(std::move(*result.value));
      });
}

}  // namespace datamgmt::dht
