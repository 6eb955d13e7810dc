// DiscoverySchedule: when peer-manager's driver loop bootstraps and runs a
// peer exchange. Pure timing decisions; the driver performs them.
//
// The seed's rules, with its values as defaults:
//  * Bootstrap at start-up, if bootstrap peers are configured.
//  * Peer exchange "every 5 minutes": an exchange is due at start-up, right
//    after a bootstrap that reached a peer ("begin peer discovery again"),
//    and exchange_interval after the last one started.
//  * Re-bootstrap: when the table becomes empty ("loses all peers"), wait
//    rebootstrap_delay (30 s), then bootstrap. While bootstraps fail (no
//    bootstrap peer answers) and the table stays empty, retry after
//    rebootstrap_delay * multiplier^failures (60 s, 120 s, 240 s, ...),
//    capped at max_rebootstrap_backoff (5 min) and jittered by
//    +-backoff_jitter. Knowing a peer again resets the backoff and cancels
//    a pending re-bootstrap (but not the start-up bootstrap).
//
//   DiscoverySchedule s(options, /*has_bootstrap_peers=*/true,
//                       table.size(), now);
//   loop:
//     DiscoveryDecision d = s.Due(now);
//     if (d.bootstrap) { s.OnBootstrapStarted(now); ...ping them...;
//                        s.ObservePeerCount(table.size(), now);
//                        s.OnBootstrapFinished(any_answered, now, gen); }
//     if (d.exchange)  { s.OnExchangeStarted(now); ...exchange... }
//     sleep until s.NextWakeup(now), or until ObservePeerCount changes it.
//
// Thread-compatible: not synchronised. The service guards it together with
// the PeerTable (call ObservePeerCount after each change of the table).
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_DISCOVERY_SCHEDULE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_DISCOVERY_SCHEDULE_H_

#include <cstddef>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kademlia/protocol_constants.h"

namespace datamgmt::peer_manager {

struct DiscoveryOptions {
  // Time between the starts of two peer exchange rounds. Must be positive.
  // Default: kDefaultPeerExchangeInterval (5 minutes, the seed's).
  absl::Duration exchange_interval = kademlia::kDefaultPeerExchangeInterval;

  // Wait after the table becomes empty before re-bootstrapping, and the
  // base of the retry backoff. Must be positive.
  // Default: kDefaultRebootstrapDelay (30 seconds, the seed's).
  absl::Duration rebootstrap_delay = kademlia::kDefaultRebootstrapDelay;

  // Growth of the retry delay per consecutive failed bootstrap. Must be at
  // least 1. Default: 2.
  double backoff_multiplier = 2.0;

  // Largest retry delay, jitter included. Must be at least
  // rebootstrap_delay. Default: 5 minutes.
  absl::Duration max_rebootstrap_backoff = absl::Minutes(5);

  // Each retry delay is scaled by a uniform factor in [1 - j, 1 + j] (then
  // capped), so that nodes that lost the same bootstrap peers do not retry
  // in lockstep. The first wait (rebootstrap_delay) is never jittered. Must
  // be in [0, 1). Default: 0.1.
  double backoff_jitter = 0.1;

  // When the local dht-service could not be asked at all (it is still
  // starting, or restarting), the bootstrap is retried this soon instead of
  // counting as a failed bootstrap. Must be positive. Default: 1 second.
  absl::Duration dialer_retry_delay = absl::Seconds(1);

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// The delay before the next bootstrap after `failures` consecutive failed
// ones while the table is empty: failures == 0 gives rebootstrap_delay
// exactly; otherwise rebootstrap_delay * multiplier^failures, jittered,
// capped at max_rebootstrap_backoff.
absl::Duration RebootstrapBackoff(int failures, const DiscoveryOptions& options,
                                  absl::BitGenRef gen);

// What the driver should start now.
struct DiscoveryDecision {
  // Contact the bootstrap peers (ping each; record the results).
  bool bootstrap = false;
  // Run a peer exchange round with the healthy peers (exchange_plan.h).
  bool exchange = false;

  friend bool operator==(const DiscoveryDecision&,
                         const DiscoveryDecision&) = default;
};

class DiscoverySchedule {
 public:
  // Returns InvalidArgument if options.Validate() fails. A start-up
  // bootstrap is due at `start` if has_bootstrap_peers; an exchange is due
  // at `start`. `peer_count` is the table's size at start.
  static absl::StatusOr<DiscoverySchedule> Create(
      const DiscoveryOptions& options, bool has_bootstrap_peers,
      size_t peer_count, absl::Time start);

  // What is due at `now`. A bootstrap is never due while one is running.
  DiscoveryDecision Due(absl::Time now) const;

  // The earliest time something becomes due, never before `now`;
  // InfiniteFuture if nothing is scheduled.
  absl::Time NextWakeup(absl::Time now) const;

  // The table's size changed (or may have). Going from peers to none at
  // `now` schedules a re-bootstrap at now + rebootstrap_delay (if bootstrap
  // peers are configured and none is pending or running). Any peer cancels
  // a pending re-bootstrap or retry and resets the backoff.
  void ObservePeerCount(size_t peer_count, absl::Time now);

  // The driver began a bootstrap: it is no longer due.
  void OnBootstrapStarted(absl::Time now);

  // The bootstrap ended. If a bootstrap peer answered, an exchange is due
  // now and the backoff resets. Otherwise, if the table is (still) empty, a
  // retry is scheduled after RebootstrapBackoff(failures).
  void OnBootstrapFinished(bool any_answered, absl::Time now,
                           absl::BitGenRef gen);

  // The bootstrap could not be attempted (the local dht-service, which dials
  // for us, was unreachable): retried dialer_retry_delay after `now`, with
  // no effect on the backoff.
  void OnBootstrapDeferred(absl::Time now);

  // The driver began an exchange round: the next is due exchange_interval
  // later.
  void OnExchangeStarted(absl::Time now);

  // For logs and status.
  absl::Time next_bootstrap() const { return next_bootstrap_; }
  absl::Time next_exchange() const { return next_exchange_; }
  bool bootstrap_in_progress() const { return bootstrap_in_progress_; }
  int consecutive_bootstrap_failures() const { return failures_; }
  // When the table last became empty; InfinitePast if it has not.
  absl::Time peers_lost_at() const { return peers_lost_at_; }

 private:
  DiscoverySchedule(const DiscoveryOptions& options, bool has_bootstrap_peers,
                    size_t peer_count, absl::Time start);

  DiscoveryOptions options_;
  bool has_bootstrap_peers_;
  bool table_empty_;
  // The pending bootstrap is the start-up one (peers do not cancel it).
  bool startup_bootstrap_pending_;
  bool bootstrap_in_progress_ = false;
  int failures_ = 0;
  absl::Time next_bootstrap_ = absl::InfiniteFuture();
  absl::Time next_exchange_;
  absl::Time peers_lost_at_ = absl::InfinitePast();
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_DISCOVERY_SCHEDULE_H_
