// The health-monitor process minus flags: stubs to peer-manager and
// dht-service, the checker, the round coordinator, the HealthMonitor service
// on its own port, and a driver thread that starts a round every `interval`
// (first at start + interval). Rounds never overlap; a tick that finds one
// running is skipped, and the schedule is never shifted by RunCheck.
//
//   auto node = HealthMonitorNode::Start(options);   // serving
//   WaitForTerminationSignal();
//   (*node)->Shutdown();   // NOT_SERVING, stop the loop, drain, stop
//
// Tests pass a FakeClock, set run_driver_thread = false and call Tick().
// Thread-safe.
#ifndef DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_MONITOR_NODE_H_
#define DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_MONITOR_NODE_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/grpc/server.h"
#include "common/time/clock.h"
#include "services/health_monitor/health_checker.h"
#include "services/health_monitor/health_monitor_service.h"
#include "services/health_monitor/round_coordinator.h"

namespace datamgmt::health {

struct HealthMonitorNodeOptions {
  // "host:port" of the HealthMonitor API; port 0 picks one. Required.
  std::string listen_address;
  // peer-manager's API, "host:port". Default: 127.0.0.1:9001.
  std::string peer_manager_address = "127.0.0.1:9001";
  // dht-service's API (PeerDialer), "host:port". Default: 127.0.0.1:9000.
  std::string dht_api_address = "127.0.0.1:9000";
  // Time between scheduled rounds. Must be positive. Default: 60 s.
  absl::Duration interval = kademlia::kDefaultHealthCheckInterval;
  // Pings, prune age, deadlines; checker.round.unresponsive_after is the
  // seed's "unresponsive" (default: 60 s, like the interval).
  HealthCheckerOptions checker;
  // How long calls in flight may finish on shutdown. Default: 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Not owned. Default (null): RealClock().
  Clock* clock = nullptr;
  // False for tests that drive Tick() themselves. Default: true.
  bool run_driver_thread = true;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class HealthMonitorNode {
 public:
  // Starts serving. Returns InvalidArgument for bad options, Unavailable if
  // the port cannot be bound.
  static absl::StatusOr<std::unique_ptr<HealthMonitorNode>> Start(
      HealthMonitorNodeOptions options);
  ~HealthMonitorNode();  // Shutdown()

  int port() const { return server_->port(); }

  // Starts a scheduled round if the clock has reached the next run time;
  // returns the next run time.
  absl::Time Tick();

  // NOT_SERVING, stops the driver, drains the server, waits for the round
  // in flight. Idempotent.
  void Shutdown();

 private:
  explicit HealthMonitorNode(HealthMonitorNodeOptions options);
  void DriverLoop();

  const HealthMonitorNodeOptions options_;
  Clock& clock_;
  std::unique_ptr<peers::v1::PeerManager::Stub> peer_manager_;
  std::unique_ptr<dht::v1::PeerDialer::Stub> dialer_;
  std::unique_ptr<HealthChecker> checker_;
  std::unique_ptr<RoundCoordinator> rounds_;
  std::unique_ptr<HealthMonitorService> service_;
  std::unique_ptr<GrpcServer> server_;
  std::thread driver_;

  absl::Mutex mu_;
  absl::Time next_run_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace datamgmt::health

#endif  // DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_MONITOR_NODE_H_
