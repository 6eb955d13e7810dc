// Executes health check rounds (the seed's "Health Check Loop") over gRPC:
// ListPeers from peer-manager, PingPeer through dht-service's PeerDialer for
// every peer PlanRound picks (at most max_concurrent_pings at a time, each
// with its own deadline, so a dead peer never stalls the round), one
// RecordContacts batch of the results (source PEER_SOURCE_HEALTH_CHECK), then
// RemovePeer(last_seen_before = start - prune_age) for dead peers that did
// not answer, and unconditionally for addresses that turned out to be this
// node (is_self).
//
//   HealthChecker checker(*peer_manager_stub, *dialer_stub, clock, {});
//   checker.Run(/*manual=*/false, [](RoundResult r) { ... });
//
// Failures: peer-manager unreachable at ListPeers, or dht-service failing a
// PingPeer (any status but DEADLINE_EXCEEDED, which is the peer's failure),
// abort the round with Unavailable in RoundResult::error; an aborted round
// prunes nothing. A failed RecordContacts or RemovePeer is reported the same
// way but the round goes on. FAILED_PRECONDITION and NOT_FOUND from
// RemovePeer are expected (the peer answered meanwhile, or is gone).
//
// Thread-safe. No lock is held across an RPC. Rounds may overlap here;
// RoundCoordinator is what keeps them apart.
#ifndef DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_CHECKER_H_
#define DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_CHECKER_H_

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/health_monitor/health_round.h"

namespace datamgmt::health {

struct HealthCheckerOptions {
  // Which peers are pinged and pruned.
  HealthRoundOptions round;
  // Timeout of each remote Ping (PingPeerRequest.timeout); the PingPeer call
  // itself gets this plus one second. Must be positive. Default: 5 s.
  absl::Duration ping_timeout = absl::Seconds(5);
  // PingPeer calls in flight at most. Must be >= 1. Default: 16.
  int max_concurrent_pings = 16;
  // Deadline of each peer-manager call. Must be positive. Default: 5 s.
  absl::Duration rpc_timeout = absl::Seconds(5);

  // Returns InvalidArgument naming the first field out of range.
  absl::Status Validate() const;
};

class HealthChecker {
 public:
  // The stubs and the clock must outlive the checker. `options` must be
  // valid (Validate()).
  HealthChecker(peers::v1::PeerManager::StubInterface& peer_manager,
                dht::v1::PeerDialer::StubInterface& dialer, Clock& clock,
                HealthCheckerOptions options);
  // Waits for the rounds in flight to end (each call has a deadline).
  ~HealthChecker();

  HealthChecker(const HealthChecker&) = delete;
  HealthChecker& operator=(const HealthChecker&) = delete;

  // Starts a round now and returns at once; `done` runs once with its
  // result, on a gRPC thread (or this one if ListPeers fails at once).
  void Run(bool manual, absl::AnyInvocable<void(RoundResult)> done);

  const HealthCheckerOptions& options() const { return options_; }

 private:
  friend class Round;
  void RoundEnded();

  peers::v1::PeerManager::StubInterface& peer_manager_;
  dht::v1::PeerDialer::StubInterface& dialer_;
  Clock& clock_;
  const HealthCheckerOptions options_;
  absl::Mutex mu_;
  int rounds_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace datamgmt::health

#endif  // DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_CHECKER_H_
