// A token bucket: `rate` tokens per second accrue up to `burst`; each
// request takes one (or more). The state is two numbers, and time comes in
// as `now`, so tests step time instead of sleeping.
//
//   TokenBucket bucket({.rate_per_second = 200, .burst = 400}, now);
//   if (!bucket.TryTake(now)) return absl::ResourceExhaustedError("slow down");
//
// A new bucket is full: a peer may send `burst` requests at once, then
// `rate` per second. A clock that goes backwards adds no tokens.
//
// Thread-compatible.
#ifndef DATAMGMT_COMMON_ABUSE_TOKEN_BUCKET_H_
#define DATAMGMT_COMMON_ABUSE_TOKEN_BUCKET_H_

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace datamgmt::abuse {

struct TokenBucketOptions {
  // Tokens added per second. Must be positive. Default: 200.
  double rate_per_second = 200;
  // Most tokens held (the largest burst). Must be at least 1.
  // Default: 400.
  double burst = 400;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class TokenBucket {
 public:
  // A full bucket at `now`. Precondition: options.Validate().ok().
  TokenBucket(const TokenBucketOptions& options, absl::Time now);

  // Takes `tokens` if that many are available at `now` and returns true;
  // otherwise takes nothing and returns false.
  bool TryTake(absl::Time now, double tokens = 1);

  // Tokens available at `now`, 0..burst.
  double Available(absl::Time now) const;

  // True if the bucket is full at `now`: it is then the same as a new one.
  bool Full(absl::Time now) const;

 private:
  double rate_;
  double burst_;
  double tokens_;
  absl::Time last_;
};

}  // namespace datamgmt::abuse

#endif  // DATAMGMT_COMMON_ABUSE_TOKEN_BUCKET_H_
