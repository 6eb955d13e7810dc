// datamgmt.health.v1.HealthMonitor over a RoundCoordinator: GetStatus
// reports the coordinator's snapshot and the configuration; RunCheck runs a
// round now (or joins the running one, see RoundCoordinator) and returns its
// CheckRound, or UNAVAILABLE with the round's error if it was aborted. If the
// caller's deadline passes first the call ends with DEADLINE_EXCEEDED and the
// round still runs to the end.
//
//   HealthMonitorService service(coordinator, options);
//   GrpcServer::Start(..., {{&service, HealthMonitor::service_full_name()}});
//
// Thread-safe.
#ifndef DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_MONITOR_SERVICE_H_
#define DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_MONITOR_SERVICE_H_

#include "absl/time/time.h"
#include "datamgmt/health/v1/health_monitor.grpc.pb.h"
#include "services/health_monitor/health_round.h"
#include "services/health_monitor/round_coordinator.h"

namespace datamgmt::health {

// The configuration GetStatus reports.
struct MonitorConfig {
  absl::Duration interval = kademlia::kDefaultHealthCheckInterval;
  HealthRoundOptions round;
};

// RoundResult as the API's CheckRound.
v1::CheckRound ToProto(const RoundResult& result);

class HealthMonitorService final : public v1::HealthMonitor::CallbackService {
 public:
  // `rounds` must outlive the service.
  HealthMonitorService(RoundCoordinator& rounds, MonitorConfig config)
      : rounds_(rounds), config_(config) {}

  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* ctx,
                                      const v1::GetStatusRequest* request,
                                      v1::MonitorStatus* response) override;
  grpc::ServerUnaryReactor* RunCheck(grpc::CallbackServerContext* ctx,
                                     const v1::RunCheckRequest* request,
                                     v1::CheckRound* response) override;

 private:
  RoundCoordinator& rounds_;
  const MonitorConfig config_;
};

}  // namespace datamgmt::health

#endif  // DATAMGMT_SERVICES_HEALTH_MONITOR_HEALTH_MONITOR_SERVICE_H_
