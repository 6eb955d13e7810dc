// health-monitor: the seed's peer health check loop (issue 4). Flags, each
// with an environment variable, make a HealthMonitorNodeOptions; the process
// runs until SIGTERM or SIGINT, then reports NOT_SERVING, stops the loop,
// drains and exits 0. Bad flag values exit 2 with a message naming the flag.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/flags/service_flags.h"
#include "common/grpc/signals.h"
#include "common/kademlia/protocol_constants.h"
#include "common/logging/logging.h"
#include "services/health_monitor/health_monitor_node.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1",
          "Host the HealthMonitor API listens on (env LISTEN_HOST).");
ABSL_FLAG(int, port, 9002,
          "HealthMonitor API port, 0..65535 (env HEALTH_MONITOR_PORT).");
ABSL_FLAG(std::string, peer_manager_address, "127.0.0.1:9001",
          "peer-manager's API, host:port (env PEER_MANAGER_ADDRESS).");
ABSL_FLAG(std::string, dht_api_address, "127.0.0.1:9000",
          "dht-service's API (PeerDialer), host:port (env DHT_API_ADDRESS).");
ABSL_FLAG(absl::Duration, check_interval,
          datamgmt::kademlia::kDefaultHealthCheckInterval,
          "Time between rounds; peers silent for longer are pinged "
          "(env HEALTH_CHECK_INTERVAL).");
ABSL_FLAG(absl::Duration, prune_age, datamgmt::kademlia::kDefaultPruneAge,
          "Peers not seen for longer, and not answering, are pruned "
          "(env PRUNE_AGE).");
ABSL_FLAG(absl::Duration, ping_timeout, absl::Seconds(5),
          "Timeout of each ping (env PING_TIMEOUT).");
ABSL_FLAG(int, max_concurrent_pings, 16,
          "Pings in flight at most (env MAX_CONCURRENT_PINGS).");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(5),
          "Deadline of each peer-manager call (env RPC_TIMEOUT).");
ABSL_FLAG(std::string, log_format, "text",
          "text or json (JSON lines) (env LOG_FORMAT).");
ABSL_FLAG(std::string, log_level, "info",
          "trace, debug, info, warn, error, critical or off (env LOG_LEVEL).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long calls in flight may finish on shutdown "
          "(env SHUTDOWN_GRACE).");

namespace datamgmt::health {
namespace {

HealthMonitorNodeOptions OptionsFromFlags() {
  const int port = absl::GetFlag(FLAGS_port);
  CheckPort("port", port);
  const absl::Duration interval = absl::GetFlag(FLAGS_check_interval);
  CheckPositiveDuration("check_interval", interval);
  const absl::Duration prune_age = absl::GetFlag(FLAGS_prune_age);
  CheckPositiveDuration("prune_age", prune_age);
  if (prune_age < interval)
    UsageError("--prune_age must be >= --check_interval");
  CheckPositiveDuration("ping_timeout", absl::GetFlag(FLAGS_ping_timeout));
  CheckPositiveDuration("rpc_timeout", absl::GetFlag(FLAGS_rpc_timeout));
  const int max_pings = absl::GetFlag(FLAGS_max_concurrent_pings);
  if (max_pings < 1) {
    UsageError(
        absl::StrCat("--max_concurrent_pings must be >= 1, got ", max_pings));
  }
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  CheckNonNegativeDuration("shutdown_grace", grace);
  std::string host = absl::GetFlag(FLAGS_listen_host);
  if (absl::StrContains(host, ':')) host = absl::StrCat("[", host, "]");

  HealthMonitorNodeOptions options;
  options.listen_address = absl::StrCat(host, ":", port);
  options.peer_manager_address = absl::GetFlag(FLAGS_peer_manager_address);
  options.dht_api_address = absl::GetFlag(FLAGS_dht_api_address);
  options.interval = interval;
  options.checker.round.unresponsive_after = interval;
  options.checker.round.prune_age = prune_age;
  options.checker.ping_timeout = absl::GetFlag(FLAGS_ping_timeout);
  options.checker.max_concurrent_pings = max_pings;
  options.checker.rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout);
  options.shutdown_grace = grace;
  if (absl::Status s = options.Validate(); !s.ok()) {
    UsageError(absl::StrCat("invalid configuration: ", s.message()));
  }
  return options;
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage("health-monitor: the peer health check loop");
  ParseServiceFlags("health-monitor", argc, argv,
                    {{"listen_host", "LISTEN_HOST"},
                     {"port", "HEALTH_MONITOR_PORT"},
                     {"peer_manager_address", "PEER_MANAGER_ADDRESS"},
                     {"dht_api_address", "DHT_API_ADDRESS"},
                     {"check_interval", "HEALTH_CHECK_INTERVAL"},
                     {"prune_age", "PRUNE_AGE"},
                     {"ping_timeout", "PING_TIMEOUT"},
                     {"max_concurrent_pings", "MAX_CONCURRENT_PINGS"},
                     {"rpc_timeout", "RPC_TIMEOUT"},
                     {"log_format", "LOG_FORMAT"},
                     {"log_level", "LOG_LEVEL"},
                     {"shutdown_grace", "SHUTDOWN_GRACE"}});

  if (absl::Status s =
          InitLogging("health-monitor", absl::GetFlag(FLAGS_log_format),
                      absl::GetFlag(FLAGS_log_level));
      !s.ok()) {
    UsageError(s.message());
  }
  const HealthMonitorNodeOptions options = OptionsFromFlags();
  absl::StatusOr<std::unique_ptr<HealthMonitorNode>> node =
      HealthMonitorNode::Start(options);
  if (!node.ok()) {
    spdlog::critical("cannot start: {}", node.status().ToString());
    return 1;
  }
  spdlog::info(
      "health-monitor started: API port {}, peer-manager {}, dht-service {}, "
      "round every {}, prune after {}",
      (*node)->port(), options.peer_manager_address, options.dht_api_address,
      absl::FormatDuration(options.interval),
      absl::FormatDuration(options.checker.round.prune_age));
  const int sig = WaitForTerminationSignal();
  spdlog::info("signal {}: shutting down (grace {})", sig,
               absl::FormatDuration(options.shutdown_grace));
  (*node)->Shutdown();
  node->reset();
  spdlog::info("health-monitor stopped");
  return 0;
}

}  // namespace
}  // namespace datamgmt::health

int main(int argc, char** argv) { return datamgmt::health::Main(argc, argv); }
