#include "services/dht/identity_rotation.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace datamgmt::dht {
namespace {

// Counts of the replications in flight, shared with their completions.
struct Progress {
  absl::Mutex mu;
  int in_flight ABSL_GUARDED_BY(mu) = 0;
  HandoverResult result ABSL_GUARDED_BY(mu);
};

}  // namespace

HandoverResult HandOverValues(ContentStore& store, DataOps& data,
                              int concurrency, const std::atomic<bool>& stop) {
  concurrency = std::max(concurrency, 1);
  std::vector<kademlia::NodeId> keys;
  store.ForEachKey([&](const kademlia::NodeId& key) {
    keys.push_back(key);
    return true;
  });
  auto progress = std::make_shared<Progress>();
  {
    absl::MutexLock lock(&progress->mu);
    progress->result.values = keys.size();
  }
  auto below = [&progress, concurrency]() {
    return progress->in_flight < concurrency;
  };
  for (const kademlia::NodeId& key : keys) {
    if (stop.load()) break;
    absl::StatusOr<std::string> value = store.Get(key);
    if (!value.ok()) continue;  // deleted or corrupt since the snapshot
    {
      absl::MutexLock lock(&progress->mu);
      progress->mu.Await(absl::Condition(&below));
      ++progress->in_flight;
    }
    data.Replicate(key,
                   std::make_shared<const std::string>(*std::move(value)),
                   [progress](int stored) {
                     absl::MutexLock lock(&progress->mu);
                     --progress->in_flight;
                     if (stored > 0) ++progress->result.handed_over;
                     progress->result.replicas_stored +=
                         static_cast<uint64_t>(stored);
                   });
  }
  absl::MutexLock lock(&progress->mu);
  progress->mu.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &progress->in_flight));
  return progress->result;
}

}  // namespace datamgmt::dht
