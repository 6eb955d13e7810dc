#include "services/peer_manager/discovery_schedule.h"

#include <algorithm>
#include <cmath>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"

namespace datamgmt::peer_manager {

absl::Status DiscoveryOptions::Validate() const {
  if (exchange_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("exchange_interval must be positive, got ",
                     absl::FormatDuration(exchange_interval)));
  }
  if (rebootstrap_delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rebootstrap_delay must be positive, got ",
                     absl::FormatDuration(rebootstrap_delay)));
  }
  if (!(backoff_multiplier >= 1.0 && std::isfinite(backoff_multiplier))) {
    return absl::InvalidArgumentError(absl::StrCat(
        "backoff_multiplier must be at least 1, got ", backoff_multiplier));
  }
  if (max_rebootstrap_backoff < rebootstrap_delay) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_rebootstrap_backoff (",
                     absl::FormatDuration(max_rebootstrap_backoff),
                     ") must be at least rebootstrap_delay (",
                     absl::FormatDuration(rebootstrap_delay), ")"));
  }
  if (dialer_retry_delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("dialer_retry_delay must be positive, got ",
                     absl::FormatDuration(dialer_retry_delay)));
  }
  if (!(backoff_jitter >= 0.0 && backoff_jitter < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("backoff_jitter must be in [0, 1), got ", backoff_jitter));
  }
  return absl::OkStatus();
}

absl::Duration RebootstrapBackoff(int failures, const DiscoveryOptions& options,
                                  absl::BitGenRef gen) {
  if (failures <= 0) return options.rebootstrap_delay;
  const double max_seconds =
      absl::ToDoubleSeconds(options.max_rebootstrap_backoff);
  // In doubles, so that a long failure streak cannot overflow.
  double seconds = absl::ToDoubleSeconds(options.rebootstrap_delay) *
                   std::pow(options.backoff_multiplier, failures);
  seconds = std::min(seconds, max_seconds);
  if (options.backoff_jitter > 0) {
    seconds *= absl::Uniform<double>(absl::IntervalClosedClosed, gen,
                                     1.0 - options.backoff_jitter,
                                     1.0 + options.backoff_jitter);
  }
  return std::min(absl::Seconds(seconds), options.max_rebootstrap_backoff);
}

absl::StatusOr<DiscoverySchedule> DiscoverySchedule::Create(
    const DiscoveryOptions& options, bool has_bootstrap_peers,
    size_t peer_count, absl::Time start) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return DiscoverySchedule(options, has_bootstrap_peers, peer_count, start);
}

DiscoverySchedule::DiscoverySchedule(const DiscoveryOptions& options,
                                     bool has_bootstrap_peers,
                                     size_t peer_count, absl::Time start)
    : options_(options),
      has_bootstrap_peers_(has_bootstrap_peers),
      table_empty_(peer_count == 0),
      startup_bootstrap_pending_(has_bootstrap_peers),
      next_exchange_(start) {
  if (has_bootstrap_peers_) next_bootstrap_ = start;
}

DiscoveryDecision DiscoverySchedule::Due(absl::Time now) const {
  return DiscoveryDecision{
      .bootstrap = !bootstrap_in_progress_ && now >= next_bootstrap_,
      .exchange = now >= next_exchange_,
  };
}

absl::Time DiscoverySchedule::NextWakeup(absl::Time now) const {
  absl::Time next = next_exchange_;
  if (!bootstrap_in_progress_) next = std::min(next, next_bootstrap_);
  return std::max(next, now);
}

void DiscoverySchedule::ObservePeerCount(size_t peer_count, absl::Time now) {
  if (peer_count > 0) {
    table_empty_ = false;
    failures_ = 0;
    if (!startup_bootstrap_pending_) next_bootstrap_ = absl::InfiniteFuture();
    return;
  }
  if (table_empty_) return;  // still empty: keep the pending schedule
  table_empty_ = true;
  peers_lost_at_ = now;
  if (has_bootstrap_peers_ && !bootstrap_in_progress_ &&
      next_bootstrap_ == absl::InfiniteFuture()) {
    next_bootstrap_ = now + options_.rebootstrap_delay;
  }
}

void DiscoverySchedule::OnBootstrapStarted(absl::Time now) {
  bootstrap_in_progress_ = true;
  startup_bootstrap_pending_ = false;
  next_bootstrap_ = absl::InfiniteFuture();
}

void DiscoverySchedule::OnBootstrapFinished(bool any_answered, absl::Time now,
                                            absl::BitGenRef gen) {
  bootstrap_in_progress_ = false;
  if (any_answered) {
    failures_ = 0;
    next_exchange_ = std::min(next_exchange_, now);
    return;
  }
  if (!table_empty_) {
    failures_ = 0;  // peers are known another way: nothing to retry
    return;
  }
  ++failures_;
  next_bootstrap_ = now + RebootstrapBackoff(failures_, options_, gen);
}

void DiscoverySchedule::OnBootstrapDeferred(absl::Time now) {
  bootstrap_in_progress_ = false;
  next_bootstrap_ = now + options_.dialer_retry_delay;
}

void DiscoverySchedule::OnExchangeStarted(absl::Time now) {
  next_exchange_ = now + options_.exchange_interval;
}

}  // namespace datamgmt::peer_manager
