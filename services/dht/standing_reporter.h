// Tells peer-manager which peers misbehave, so that the peers API shows
// them (banned, banned_until, ban_reason, score) and peer-manager stops
// listing banned peers as healthy or sharing them in peer exchange: sends
// PeerGuard::Standings with PeerManager.ReportPeerStandings, the whole list
// each time (it replaces the previous one).
//
//   std::unique_ptr<StandingReporter> reporter =
//       *StandingReporter::Create(stub, guard, RealClock(), {});
//   guard.AddBanListener([&](const BanNotice&) { reporter->Changed(); });
//   ... in the maintenance loop:
//   absl::Time next = reporter->Flush(clock.Now());
//
// When: at the first Flush (an empty list clears what a previous run of
// dht-service reported), at once when a ban begins (Changed), and every
// `refresh_interval` while the last list sent was not empty (scores decay,
// bans end, and a restarted peer-manager learns the list again); an empty
// list is sent once, when the last ban or suspect is gone. A failed send
// is retried after `retry_delay`. At most one call is in flight.
//
// Thread-safe; nothing blocks on the network. The destructor waits for the
// call in flight (it has a deadline); `stub`, `guard` and `clock` must
// outlive the reporter.
#ifndef DATAMGMT_SERVICES_DHT_STANDING_REPORTER_H_
#define DATAMGMT_SERVICES_DHT_STANDING_REPORTER_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/dht/peer_guard.h"

namespace datamgmt::dht {

struct StandingReporterOptions {
  // Resend period while the list is not empty. Must be positive.
  // Default: 1 minute.
  absl::Duration refresh_interval = absl::Minutes(1);
  // Wait after a failed send. Must be positive. Default: 5 s.
  absl::Duration retry_delay = absl::Seconds(5);
  // Deadline of each call. Must be positive. Default: 2 s.
  absl::Duration rpc_timeout = absl::Seconds(2);
  // Standings per report (bans first). 1..1000 (peers.proto's limit).
  // Default: 1000.
  size_t max_standings = 1000;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// The proto of one standing (exposed for tests).
peers::v1::PeerStanding StandingToProto(const PeerStanding& standing);

class StandingReporter {
 public:
  // Returns InvalidArgument if `options` fail Validate().
  static absl::StatusOr<std::unique_ptr<StandingReporter>> Create(
      peers::v1::PeerManager::StubInterface& stub, const PeerGuard& guard,
      Clock& clock, StandingReporterOptions options);

  // Waits for the call in flight.
  ~StandingReporter();

  // The standings changed (a ban began): send them now, or as soon as the
  // call in flight ends.
  void Changed();

  // Sends what is due at `now`; returns when to call again.
  absl::Time Flush(absl::Time now);

  // Blocks until no call is in flight. Never on a gRPC callback thread.
  void WaitIdle();

  // Reports peer-manager acknowledged.
  uint64_t reports_sent() const;

 private:
  StandingReporter(peers::v1::PeerManager::StubInterface& stub,
                   const PeerGuard& guard, Clock& clock,
                   StandingReporterOptions options);
  // Starts a send if one is due at `now` and none is in flight.
  void MaybeSend(absl::Time now);
  // Sends the current standings; in_flight_ is already set.
  void Send();

  peers::v1::PeerManager::StubInterface& stub_;
  const PeerGuard& guard_;
  Clock& clock_;
  const StandingReporterOptions options_;

  mutable absl::Mutex mu_;
  bool dirty_ ABSL_GUARDED_BY(mu_) = true;  // the first Flush sends
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool last_nonempty_ ABSL_GUARDED_BY(mu_) = false;
  // Earliest time of the next send (retry delay, refresh).
  absl::Time not_before_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time next_refresh_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  uint64_t sent_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_STANDING_REPORTER_H_
