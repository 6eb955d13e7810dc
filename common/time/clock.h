// The one place service code gets the time from, so that timers (the
// seed's 60 s health round, 5 min exchange, 30 s re-bootstrap, 1 h prune)
// can be tested by stepping a fake clock instead of sleeping.
//
//   Clock& clock = RealClock();      // in main
//   absl::Time now = clock.Now();    // in a driver loop
//
//   FakeClock fake(absl::FromUnixSeconds(1'700'000'000));  // in a test
//   fake.Advance(absl::Seconds(60));
//
// The Kademlia core never reads a clock: it takes `absl::Time now`.
#ifndef DATAMGMT_COMMON_TIME_CLOCK_H_
#define DATAMGMT_COMMON_TIME_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace datamgmt {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The system clock. Thread-safe; never destroyed.
Clock& RealClock();

// A clock that moves only when told to. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_TIME_CLOCK_H_
