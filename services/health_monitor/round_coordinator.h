// Keeps health rounds from overlapping and remembers how they went: the
// state behind MonitorStatus.
//
// A Run while a round is running joins it: its `done` gets that round's
// result, and no second round starts (so a RunCheck during a scheduled
// round returns the scheduled round, manual = false). A scheduled tick that
// finds a round running is skipped the same way.
//
//   RoundCoordinator rounds(checker);
//   rounds.Run(/*manual=*/true, [](const RoundResult& r) { ... });
//   MonitorSnapshot s = rounds.Snapshot();
//
// Thread-safe. `done` runs without the coordinator's lock held.
#ifndef DATAMGMT_SERVICES_HEALTH_MONITOR_ROUND_COORDINATOR_H_
#define DATAMGMT_SERVICES_HEALTH_MONITOR_ROUND_COORDINATOR_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/health_monitor/health_checker.h"
#include "services/health_monitor/health_round.h"

namespace datamgmt::health {

struct MonitorSnapshot {
  std::optional<RoundResult> last_round;  // unset until a round ends
  uint64_t rounds_completed = 0;          // complete or aborted
  bool round_in_progress = false;
  absl::Time next_run_time = absl::InfiniteFuture();
};

class RoundCoordinator {
 public:
  using Done = absl::AnyInvocable<void(const RoundResult&)>;

  // `checker` must outlive the coordinator.
  explicit RoundCoordinator(HealthChecker& checker) : checker_(checker) {}
  // Waits for a running round to end.
  ~RoundCoordinator();

  // Starts a round unless one is running, in which case it joins that one.
  // `done` (may be null) runs once with the result of the round joined or
  // started. Returns true if a new round was started.
  bool Run(bool manual, Done done);

  // Recorded for Snapshot() (the driver's schedule).
  void SetNextRunTime(absl::Time t);

  MonitorSnapshot Snapshot() const;

 private:
  void RoundEnded(RoundResult result);

  HealthChecker& checker_;
  mutable absl::Mutex mu_;
  MonitorSnapshot state_ ABSL_GUARDED_BY(mu_);
  std::vector<Done> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::health

#endif  // DATAMGMT_SERVICES_HEALTH_MONITOR_ROUND_COORDINATOR_H_
