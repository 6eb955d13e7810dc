#include "common/abuse/rate_limiter.h"

#include <utility>

namespace datamgmt::abuse {

absl::Status RateLimiterOptions::Validate() const {
  if (absl::Status s = bucket.Validate(); !s.ok()) return s;
  if (max_keys < 1) {
    return absl::InvalidArgumentError("max_keys must be at least 1");
  }
  return absl::OkStatus();
}

RateLimiter::RateLimiter(RateLimiterOptions options)
    : options_(std::move(options)) {
  if (options_.max_keys < 1) options_.max_keys = 1;
}

bool RateLimiter::Allow(absl::string_view key, absl::Time now) {
  auto it = buckets_.find(key);
  if (it != buckets_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.bucket.TryTake(now);
  }
  if (buckets_.size() >= options_.max_keys) {
    buckets_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.emplace_front(key);
  auto [inserted, unused] = buckets_.emplace(
      key, Entry{.bucket = TokenBucket(options_.bucket, now),
                 .lru = lru_.begin()});
  return inserted->second.bucket.TryTake(now);
}

double RateLimiter::Available(absl::string_view key, absl::Time now) const {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) return options_.bucket.burst;
  return it->second.bucket.Available(now);
}

}  // namespace datamgmt::abuse
