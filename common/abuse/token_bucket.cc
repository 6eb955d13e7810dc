#include "common/abuse/token_bucket.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace datamgmt::abuse {

absl::Status TokenBucketOptions::Validate() const {
  if (!(rate_per_second > 0) || !std::isfinite(rate_per_second)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rate_per_second must be positive, got ", rate_per_second));
  }
  if (!(burst >= 1) || !std::isfinite(burst)) {
    return absl::InvalidArgumentError(
        absl::StrCat("burst must be at least 1, got ", burst));
  }
  return absl::OkStatus();
}

TokenBucket::TokenBucket(const TokenBucketOptions& options, absl::Time now)
    : rate_(options.rate_per_second),
      burst_(options.burst),
      tokens_(options.burst),
      last_(now) {}

double TokenBucket::Available(absl::Time now) const {
  if (now <= last_) return tokens_;
  const double refill = absl::ToDoubleSeconds(now - last_) * rate_;
  return std::min(burst_, tokens_ + refill);
}

bool TokenBucket::Full(absl::Time now) const {
  return Available(now) >= burst_;
}

bool TokenBucket::TryTake(absl::Time now, double tokens) {
  tokens_ = Available(now);
  last_ = std::max(last_, now);
  if (tokens_ < tokens) return false;
  tokens_ -= tokens;
  return true;
}

}  // namespace datamgmt::abuse
