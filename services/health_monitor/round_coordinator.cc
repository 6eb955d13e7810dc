#include "services/health_monitor/round_coordinator.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace datamgmt::health {

RoundCoordinator::~RoundCoordinator() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](MonitorSnapshot* s) { return !s->round_in_progress; }, &state_));
}

bool RoundCoordinator::Run(bool manual, Done done) {
  {
    absl::MutexLock lock(&mu_);
    if (done != nullptr) waiters_.push_back(std::move(done));
    if (state_.round_in_progress) return false;
    state_.round_in_progress = true;
  }
  checker_.Run(manual, [this](RoundResult r) { RoundEnded(std::move(r)); });
  return true;
}

void RoundCoordinator::SetNextRunTime(absl::Time t) {
  absl::MutexLock lock(&mu_);
  state_.next_run_time = t;
}

MonitorSnapshot RoundCoordinator::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

void RoundCoordinator::RoundEnded(RoundResult result) {
  if (result.error.ok()) {
    spdlog::info(
        "health round: {} peers checked, {} pinged, {} failed, {} pruned in {}",
        result.checked, result.pinged, result.failed, result.pruned,
        absl::FormatDuration(result.duration));
  } else {
    spdlog::warn("health round aborted after {}: {}",
                 absl::FormatDuration(result.duration),
                 result.error.ToString());
  }
  std::vector<Done> waiters;
  {
    absl::MutexLock lock(&mu_);
    state_.last_round = result;
    ++state_.rounds_completed;
    state_.round_in_progress = false;
    waiters.swap(waiters_);
  }
  // `this` may be destroyed from here on.
  for (Done& done : waiters) done(result);
}

}  // namespace datamgmt::health
