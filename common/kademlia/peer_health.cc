#include "common/kademlia/peer_health.h"

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"

namespace datamgmt::kademlia {

absl::Status HealthOptions::Validate() const {
  if (healthy_response_window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("healthy_response_window must be positive, got ",
                     absl::FormatDuration(healthy_response_window)));
  }
  // Written so that NaN fails too.
  if (!(min_success_rate >= 0.0 && min_success_rate <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "min_success_rate must be in [0, 1], got ", min_success_rate));
  }
  if (new_peer_attempts < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "new_peer_attempts must be at least 0, got ", new_peer_attempts));
  }
  if (prune_age <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "prune_age must be positive, got ", absl::FormatDuration(prune_age)));
  }
  return absl::OkStatus();
}

int64_t TotalAttempts(const PeerStats& stats) {
  // Saturating: known_peers.json may hold counts up to INT64_MAX each.
  int64_t total = 0;
  if (__builtin_add_overflow(stats.success_count, stats.failure_count,
                             &total)) {
    return std::numeric_limits<int64_t>::max();
  }
  return total;
}

double SuccessRate(const PeerStats& stats) {
  const int64_t total = TotalAttempts(stats);
  if (total <= 0) return 0.0;
  return static_cast<double>(stats.success_count) / static_cast<double>(total);
}

bool IsHealthy(const PeerStats& stats, absl::Time now,
               const HealthOptions& options) {
  if (TotalAttempts(stats) < options.new_peer_attempts) return true;
  const bool responded_recently =
      now - stats.last_seen <= options.healthy_response_window;
  return responded_recently && SuccessRate(stats) > options.min_success_rate;
}

bool IsDead(const PeerStats& stats, absl::Time now,
            const HealthOptions& options) {
  return now - stats.last_seen > options.prune_age;
}

bool NeedsPing(const PeerStats& stats, absl::Time now,
               absl::Duration check_interval) {
  return now - stats.last_seen > check_interval;
}

bool FailsSuccessRate(const PeerStats& stats, const HealthOptions& options) {
  return TotalAttempts(stats) >= options.new_peer_attempts &&
         SuccessRate(stats) <= options.min_success_rate;
}

void RecordSuccess(PeerStats& stats, absl::Time when) {
  if (stats.success_count < std::numeric_limits<int64_t>::max()) {
    ++stats.success_count;
  }
  stats.last_seen = std::max(stats.last_seen, when);
}

void RecordFailure(PeerStats& stats) {
  if (stats.failure_count < std::numeric_limits<int64_t>::max()) {
    ++stats.failure_count;
  }
}

}  // namespace datamgmt::kademlia
