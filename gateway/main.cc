// gateway: the node's REST front. Transcodes HTTP/JSON into the gRPC
// services of dht-service, peer-manager and health-monitor from their
// google.api.http annotations (grpc-gateway style), and serves /healthz,
// /readyz, /metrics and /openapi.json. Flags, each with an environment
// variable, configure it; SIGTERM or SIGINT makes /readyz answer 503, lets
// requests in flight finish for --shutdown_grace, and exits 0. Bad flag
// values exit 2 with a message naming the flag.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/flags/service_flags.h"
#include "common/grpc/signals.h"
#include "common/logging/logging.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "datamgmt/health/v1/health_monitor.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "gateway/backend/backends.h"
#include "gateway/gateway_handler.h"
#include "gateway/http/server.h"
#include "gateway/metrics/metrics.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1",
          "Host the REST gateway listens on; 0.0.0.0 or :: for every "
          "interface (env GATEWAY_LISTEN_HOST).");
ABSL_FLAG(int, port, 8081, "REST port, 0..65535 (env GATEWAY_PORT).");
ABSL_FLAG(std::string, dht_api_address, "127.0.0.1:9000",
          "dht-service's API (DhtService), host:port (env DHT_API_ADDRESS).");
ABSL_FLAG(std::string, peer_manager_address, "127.0.0.1:9001",
          "peer-manager's API, host:port (env PEER_MANAGER_ADDRESS).");
ABSL_FLAG(std::string, health_monitor_address, "127.0.0.1:9002",
          "health-monitor's API, host:port (env HEALTH_MONITOR_ADDRESS).");
ABSL_FLAG(int, threads, 2, "HTTP I/O threads (env GATEWAY_THREADS).");
ABSL_FLAG(int64_t, max_body_bytes, 2 << 20,
          "Largest request body; larger ones get 413 (env MAX_BODY_BYTES).");
ABSL_FLAG(absl::Duration, request_timeout, absl::Seconds(10),
          "Backend deadline of a request without Grpc-Timeout "
          "(env REQUEST_TIMEOUT).");
ABSL_FLAG(absl::Duration, max_request_timeout, absl::Seconds(60),
          "Grpc-Timeout values are capped to this (env MAX_REQUEST_TIMEOUT).");
ABSL_FLAG(absl::Duration, header_timeout, absl::Seconds(10),
          "Time to receive a whole request once it began (env "
          "HEADER_TIMEOUT).");
ABSL_FLAG(absl::Duration, idle_timeout, absl::Seconds(60),
          "Idle keep-alive connections are closed after this "
          "(env IDLE_TIMEOUT).");
ABSL_FLAG(int, max_connections, 10000,
          "Open connections at most (env MAX_CONNECTIONS).");
ABSL_FLAG(bool, access_log, true,
          "Log every request at info (env ACCESS_LOG).");
ABSL_FLAG(std::string, log_format, "text",
          "text or json (JSON lines) (env LOG_FORMAT).");
ABSL_FLAG(std::string, log_level, "info",
          "trace, debug, info, warn, error, critical or off (env LOG_LEVEL).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long requests in flight may finish on shutdown "
          "(env SHUTDOWN_GRACE).");

namespace datamgmt::gateway {
namespace {

// The service `name` of the .proto file that defines `Message`. Going
// through a message's descriptor links the generated code in; the generated
// pool alone may not know the file.
template <typename Message>
const google::protobuf::ServiceDescriptor* Service(const char* name) {
  return Message::descriptor()->file()->FindServiceByName(name);
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "gateway: REST/JSON front of a DataMgmt node (grpc-gateway style)");
  ParseServiceFlags("gateway", argc, argv,
                    {{"listen_host", "GATEWAY_LISTEN_HOST"},
                     {"port", "GATEWAY_PORT"},
                     {"dht_api_address", "DHT_API_ADDRESS"},
                     {"peer_manager_address", "PEER_MANAGER_ADDRESS"},
                     {"health_monitor_address", "HEALTH_MONITOR_ADDRESS"},
                     {"threads", "GATEWAY_THREADS"},
                     {"max_body_bytes", "MAX_BODY_BYTES"},
                     {"request_timeout", "REQUEST_TIMEOUT"},
                     {"max_request_timeout", "MAX_REQUEST_TIMEOUT"},
                     {"header_timeout", "HEADER_TIMEOUT"},
                     {"idle_timeout", "IDLE_TIMEOUT"},
                     {"max_connections", "MAX_CONNECTIONS"},
                     {"access_log", "ACCESS_LOG"},
                     {"log_format", "LOG_FORMAT"},
                     {"log_level", "LOG_LEVEL"},
                     {"shutdown_grace", "SHUTDOWN_GRACE"}});
  if (absl::Status s = InitLogging("gateway", absl::GetFlag(FLAGS_log_format),
                                   absl::GetFlag(FLAGS_log_level));
      !s.ok()) {
    UsageError(s.message());
  }

  http::ServerOptions server_options;
  server_options.host = absl::GetFlag(FLAGS_listen_host);
  server_options.port = absl::GetFlag(FLAGS_port);
  CheckPort("port", server_options.port);
  server_options.threads = absl::GetFlag(FLAGS_threads);
  const int64_t max_body = absl::GetFlag(FLAGS_max_body_bytes);
  if (max_body < 1) UsageError("--max_body_bytes must be >= 1");
  server_options.max_body_bytes = static_cast<size_t>(max_body);
  server_options.header_timeout = absl::GetFlag(FLAGS_header_timeout);
  CheckPositiveDuration("header_timeout", server_options.header_timeout);
  server_options.idle_timeout = absl::GetFlag(FLAGS_idle_timeout);
  CheckPositiveDuration("idle_timeout", server_options.idle_timeout);
  const int max_connections = absl::GetFlag(FLAGS_max_connections);
  if (max_connections < 1) UsageError("--max_connections must be >= 1");
  server_options.max_connections = static_cast<size_t>(max_connections);
  if (absl::Status s = server_options.Validate(); !s.ok()) {
    UsageError(absl::StrCat("invalid configuration: ", s.message()));
  }

  GatewayHandlerOptions handler_options;
  handler_options.default_timeout = absl::GetFlag(FLAGS_request_timeout);
  CheckPositiveDuration("request_timeout", handler_options.default_timeout);
  handler_options.max_timeout = absl::GetFlag(FLAGS_max_request_timeout);
  CheckPositiveDuration("max_request_timeout", handler_options.max_timeout);
  handler_options.access_log = absl::GetFlag(FLAGS_access_log);
  if (absl::Status s = handler_options.Validate(); !s.ok()) {
    UsageError(absl::StrCat("invalid configuration: ", s.message()));
  }
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  CheckNonNegativeDuration("shutdown_grace", grace);

  const std::string dht = absl::GetFlag(FLAGS_dht_api_address);
  const std::string peers = absl::GetFlag(FLAGS_peer_manager_address);
  const std::string health = absl::GetFlag(FLAGS_health_monitor_address);
  Backends backends(
      {.addresses = {{dht::v1::DhtService::service_full_name(), dht},
                     {dht::v1::PeerDialer::service_full_name(), dht},
                     {peers::v1::PeerManager::service_full_name(), peers},
                     {health::v1::HealthMonitor::service_full_name(), health}}});
  // The services with REST routes. PeerDialer has none; it is listed above
  // only so that /readyz covers dht-service's API port once.
  const std::vector<const google::protobuf::ServiceDescriptor*> services = {
      Service<dht::v1::PutDataRequest>("DhtService"),
      Service<peers::v1::Peer>("PeerManager"),
      Service<health::v1::CheckRound>("HealthMonitor")};
  GatewayMetrics metrics;
  absl::StatusOr<std::unique_ptr<GatewayHandler>> handler =
      GatewayHandler::Create(handler_options, services, &backends, &metrics);
  if (!handler.ok()) {
    spdlog::critical("cannot build the routes: {}",
                     handler.status().ToString());
    return 1;
  }
  absl::StatusOr<std::unique_ptr<http::Server>> server =
      http::Server::Start(server_options, handler->get());
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    return 1;
  }
  spdlog::info(
      "gateway started: REST on {}:{} ({} routes), dht-service {}, "
      "peer-manager {}, health-monitor {}",
      server_options.host, (*server)->port(), (*handler)->route_count(), dht,
      peers, health);
  const int sig = WaitForTerminationSignal();
  spdlog::info("signal {}: shutting down (grace {})", sig,
               absl::FormatDuration(grace));
  (*handler)->SetDraining();
  (*server)->Shutdown(grace);
  spdlog::info("gateway stopped");
  return 0;
}

}  // namespace
}  // namespace datamgmt::gateway

int main(int argc, char** argv) { return datamgmt::gateway::Main(argc, argv); }
