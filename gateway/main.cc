// gateway: the node's REST front. Transcodes HTTP/JSON into the gRPC
// services of dht-service, peer-manager and health-monitor from their
// google.api.http annotations (grpc-gateway style), and serves /healthz,
// /readyz, /metrics and /openapi.json. Flags, each with an environment
// variable, configure it; SIGTERM or SIGINT makes /readyz answer 503, lets
// requests in flight finish for --shutdown_grace, and exits 0. Bad flag
// values exit 2 with a message naming the flag.
//
// Security: HTTPS with --tls_cert_file and --tls_key_file; writes and
// administrative calls need "Authorization: Bearer <token>" unless
// --auth=off (the token from --auth_token_file or GATEWAY_AUTH_TOKEN; without
// one the gateway does not start). The token is never logged.
#include <cstdlib>
#include <memory>
#include <utility>
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
#include "gateway/auth/auth.h"
#include "gateway/auth/token_source.h"
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
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain; with --tls_key_file the gateway serves "
          "HTTPS only (TLS 1.2+) (env GATEWAY_TLS_CERT_FILE).");
ABSL_FLAG(std::string, tls_key_file, "",
          "PEM private key of --tls_cert_file, unencrypted "
          "(env GATEWAY_TLS_KEY_FILE).");
ABSL_FLAG(std::string, auth, "token",
          "token: writes and administrative calls need \"Authorization: "
          "Bearer <token>\"; off: no authentication (env GATEWAY_AUTH).");
ABSL_FLAG(std::string, auth_token_file, "",
          "File whose first line is the bearer token (env "
          "GATEWAY_AUTH_TOKEN_FILE); or set the token itself in env "
          "GATEWAY_AUTH_TOKEN.");
ABSL_FLAG(bool, auth_reads, false,
          "With --auth=token, GET and HEAD API calls need the token too; "
          "/healthz, /readyz and /metrics stay open (env GATEWAY_AUTH_READS).");

namespace datamgmt::gateway {
namespace {

// The service `name` of the .proto file that defines `Message`. Going
// through a message's descriptor links the generated code in; the generated
// pool alone may not know the file.
template <typename Message>
const google::protobuf::ServiceDescriptor* Service(const char* name) {
  return Message::descriptor()->file()->FindServiceByName(name);
}

// Tokens shorter than this draw a warning.
constexpr size_t kShortToken = 16;

// TLS from the flags; exits 2 unless both or neither file is given and they
// make a working certificate and key.
http::TlsOptions TlsFromFlags() {
  http::TlsOptions tls;
  tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    UsageError(absl::StrCat(
        "--tls_cert_file and --tls_key_file (env GATEWAY_TLS_CERT_FILE, "
        "GATEWAY_TLS_KEY_FILE) go together; only ",
        tls.cert_file.empty() ? "--tls_key_file" : "--tls_cert_file",
        " is set"));
  }
  if (tls.enabled()) {
    if (absl::Status s = http::NewServerTlsContext(tls).status(); !s.ok()) {
      UsageError(absl::StrCat("--tls_cert_file/--tls_key_file: ", s.message()));
    }
  }
  return tls;
}

// Authentication from the flags and GATEWAY_AUTH_TOKEN; exits 2 for a bad
// mode, an unreadable token file, or --auth=token without a token.
auth::AuthOptions AuthFromFlags() {
  auth::AuthOptions options;
  absl::StatusOr<auth::AuthMode> mode =
      auth::ParseAuthMode(absl::GetFlag(FLAGS_auth));
  if (!mode.ok()) UsageError(absl::StrCat("--auth: ", mode.status().message()));
  options.mode = *mode;
  options.reads = absl::GetFlag(FLAGS_auth_reads);
  const char* env_token = std::getenv("GATEWAY_AUTH_TOKEN");
  absl::StatusOr<std::string> token = auth::LoadToken(
      absl::GetFlag(FLAGS_auth_token_file), env_token ? env_token : "");
  if (!token.ok()) {
    UsageError(absl::StrCat("bearer token (--auth_token_file or env "
                            "GATEWAY_AUTH_TOKEN): ",
                            token.status().message()));
  }
  if (options.mode == auth::AuthMode::kOff) {
    if (!token->empty()) {
      spdlog::warn("--auth=off: the configured bearer token is ignored");
    }
    return options;
  }
  if (token->empty()) {
    UsageError(
        "--auth=token (the default) needs a bearer token: write it to a file "
        "and pass --auth_token_file=FILE (env GATEWAY_AUTH_TOKEN_FILE), or "
        "set env GATEWAY_AUTH_TOKEN; to serve without authentication pass "
        "--auth=off");
  }
  options.token = *std::move(token);
  if (absl::Status s = options.Validate(); !s.ok()) {
    UsageError(absl::StrCat("bearer token: ", s.message()));
  }
  if (options.token.size() < kShortToken) {
    spdlog::warn(
        "the bearer token is shorter than {} characters; use a long random "
        "one (e.g. openssl rand -hex 32)",
        kShortToken);
  }
  return options;
}

// Says what is exposed; the louder the more.
void WarnAboutExposure(const std::string& host, int port, bool tls,
                       const auth::AuthOptions& options) {
  const bool loopback = http::IsLoopbackHost(host);
  if (options.mode == auth::AuthMode::kOff) {
    if (loopback) {
      spdlog::warn(
          "--auth=off: writes and administrative calls need no token; any "
          "local process can store data and change this node's peers");
    } else {
      spdlog::error(
          "SECURITY: --auth=off while listening on {}:{}, which is not "
          "loopback: ANYONE who can reach this port can store data, add and "
          "remove peers and trigger health checks. Use --auth=token unless "
          "an authenticating proxy is the only way in.",
          host, port);
    }
  } else if (!loopback && !tls) {
    spdlog::warn(
        "the bearer token crosses the network in clear text ({}:{} is not "
        "loopback and TLS is off); set --tls_cert_file and --tls_key_file",
        host, port);
  }
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
                     {"shutdown_grace", "SHUTDOWN_GRACE"},
                     {"tls_cert_file", "GATEWAY_TLS_CERT_FILE"},
                     {"tls_key_file", "GATEWAY_TLS_KEY_FILE"},
                     {"auth", "GATEWAY_AUTH"},
                     {"auth_token_file", "GATEWAY_AUTH_TOKEN_FILE"},
                     {"auth_reads", "GATEWAY_AUTH_READS"}});
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
  server_options.tls = TlsFromFlags();
  if (absl::Status s = server_options.Validate(); !s.ok()) {
    UsageError(absl::StrCat("invalid configuration: ", s.message()));
  }

  GatewayHandlerOptions handler_options;
  handler_options.default_timeout = absl::GetFlag(FLAGS_request_timeout);
  CheckPositiveDuration("request_timeout", handler_options.default_timeout);
  handler_options.max_timeout = absl::GetFlag(FLAGS_max_request_timeout);
  CheckPositiveDuration("max_request_timeout", handler_options.max_timeout);
  handler_options.access_log = absl::GetFlag(FLAGS_access_log);
  handler_options.auth = AuthFromFlags();
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
  const bool tls = server_options.tls.enabled();
  const auth::AuthOptions& auth_options = handler_options.auth;
  spdlog::info(
      "gateway started: REST on {}://{}:{} ({} routes, auth {}), dht-service "
      "{}, peer-manager {}, health-monitor {}",
      tls ? "https" : "http", server_options.host, (*server)->port(),
      (*handler)->route_count(),
      auth_options.mode == auth::AuthMode::kOff
          ? "off"
          : (auth_options.reads ? "token for every API call"
                        : "token for writes and administrative calls"),
      dht, peers, health);
  WarnAboutExposure(server_options.host, (*server)->port(), tls,
                    auth_options);
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
