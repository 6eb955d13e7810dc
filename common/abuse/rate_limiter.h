// A token bucket per key (a peer's node ID, a source address) with bounded
// memory: at most `max_keys` buckets, the least recently used forgotten
// first. Forgetting a key only gives it a fresh, full bucket, and the least
// recently used key is the one whose bucket has refilled the most, so a
// flood of new keys cannot grow memory and costs the limiter little
// accuracy.
//
//   RateLimiter limiter({.bucket = {.rate_per_second = 200, .burst = 400}});
//   if (!limiter.Allow("id:4f2a...", now)) /* over the limit */;
//
// Thread-compatible.
#ifndef DATAMGMT_COMMON_ABUSE_RATE_LIMITER_H_
#define DATAMGMT_COMMON_ABUSE_RATE_LIMITER_H_

#include <cstddef>
#include <list>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/abuse/token_bucket.h"

namespace datamgmt::abuse {

struct RateLimiterOptions {
  // Each key's bucket. Default: 200 per second, bursts of 400.
  TokenBucketOptions bucket{};
  // Keys tracked at most. Must be at least 1. Default: 10,000.
  size_t max_keys = 10'000;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class RateLimiter {
 public:
  // Precondition: options.Validate().ok().
  explicit RateLimiter(RateLimiterOptions options);

  // Takes one token from `key`'s bucket at `now` (a new key starts full).
  // Returns false, taking nothing, if the bucket is empty.
  bool Allow(absl::string_view key, absl::Time now);

  // Tokens `key` has at `now` (burst for an unknown key).
  double Available(absl::string_view key, absl::Time now) const;

  // Keys tracked now.
  size_t size() const { return buckets_.size(); }

  const RateLimiterOptions& options() const { return options_; }

 private:
  struct Entry {
    TokenBucket bucket;
    std::list<std::string>::iterator lru;
  };

  RateLimiterOptions options_;
  // Most recently used first.
  std::list<std::string> lru_;
  absl::flat_hash_map<std::string, Entry> buckets_;
};

}  // namespace datamgmt::abuse

#endif  // DATAMGMT_COMMON_ABUSE_RATE_LIMITER_H_
