// peer-manager: the node's authority on its known peers (issue 4). Flags,
// each with an environment variable, make a PeerManagerNodeOptions; the node
// runs until SIGTERM or SIGINT, then shuts down gracefully and exits 0. Bad
// flag values (including a bad INITIAL_PEERS entry) exit 2 with a message
// naming the flag or entry.
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
#include "common/net/peer_address.h"
#include "services/peer_manager/bootstrap_peers.h"
#include "services/peer_manager/peer_manager_node.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, listen_host, "127.0.0.1",
          "Host the PeerManager API listens on (env LISTEN_HOST).");
ABSL_FLAG(int, port, 9001,
          "PeerManager API port, 0..65535 (env PEER_MANAGER_PORT).");
ABSL_FLAG(std::string, data_dir, "./data",
          "Directory of known_peers.json, shared with dht-service "
          "(env DATA_DIR).");
ABSL_FLAG(std::string, dht_api_address, "127.0.0.1:9000",
          "dht-service's local API (PeerDialer), host:port "
          "(env DHT_API_ADDRESS).");
ABSL_FLAG(std::string, initial_peers, "",
          "Bootstrap peers, comma-separated host:port (env INITIAL_PEERS).");
ABSL_FLAG(absl::Duration, exchange_interval,
          datamgmt::kademlia::kDefaultPeerExchangeInterval,
          "Time between peer exchange rounds (env PEER_EXCHANGE_INTERVAL).");
ABSL_FLAG(absl::Duration, rebootstrap_delay,
          datamgmt::kademlia::kDefaultRebootstrapDelay,
          "Wait after losing all peers before re-bootstrapping "
          "(env REBOOTSTRAP_DELAY).");
ABSL_FLAG(absl::Duration, max_rebootstrap_backoff, absl::Minutes(5),
          "Longest wait between re-bootstrap retries while no bootstrap peer "
          "answers; retries wait rebootstrap_delay * 2^failures up to this "
          "(env MAX_REBOOTSTRAP_BACKOFF).");
ABSL_FLAG(int, max_peers, 1000, "Most peers stored, >= 1 (env MAX_PEERS).");
ABSL_FLAG(absl::Duration, health_response_window,
          datamgmt::kademlia::kDefaultHealthyResponseWindow,
          "A healthy peer responded within this long "
          "(env HEALTH_RESPONSE_WINDOW).");
ABSL_FLAG(absl::Duration, prune_age, datamgmt::kademlia::kDefaultPruneAge,
          "A peer not seen for longer is dead; hints older are stale "
          "(env PRUNE_AGE).");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(2),
          "Deadline of each PeerDialer call (env RPC_TIMEOUT).");
ABSL_FLAG(std::string, log_format, "text",
          "text or json (JSON lines) (env LOG_FORMAT).");
ABSL_FLAG(std::string, log_level, "info",
          "trace, debug, info, warn, error, critical or off (env LOG_LEVEL).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long calls in flight may finish on shutdown "
          "(env SHUTDOWN_GRACE).");

namespace datamgmt::peer_manager {
namespace {

PeerManagerNodeOptions OptionsFromFlags() {
  const int port = absl::GetFlag(FLAGS_port);
  CheckPort("port", port);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) UsageError("--data_dir must not be empty");
  absl::StatusOr<std::vector<net::PeerAddress>> bootstrap = ParseBootstrapPeers(
      absl::GetFlag(FLAGS_initial_peers), "--initial_peers (INITIAL_PEERS)");
  if (!bootstrap.ok()) UsageError(std::string(bootstrap.status().message()));
  const int max_peers = absl::GetFlag(FLAGS_max_peers);
  if (max_peers < 1)
    UsageError(absl::StrCat("--max_peers must be >= 1, got ", max_peers));
  for (const auto& [name, value] :
       {std::pair{"exchange_interval", absl::GetFlag(FLAGS_exchange_interval)},
        std::pair{"rebootstrap_delay", absl::GetFlag(FLAGS_rebootstrap_delay)},
        std::pair{"max_rebootstrap_backoff",
                  absl::GetFlag(FLAGS_max_rebootstrap_backoff)},
        std::pair{"health_response_window",
                  absl::GetFlag(FLAGS_health_response_window)},
        std::pair{"prune_age", absl::GetFlag(FLAGS_prune_age)},
        std::pair{"rpc_timeout", absl::GetFlag(FLAGS_rpc_timeout)}}) {
    CheckPositiveDuration(name, value);
  }
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  CheckNonNegativeDuration("shutdown_grace", grace);

  PeerManagerNodeOptions options;
  options.data_dir = data_dir;
  options.listen_address =
      net::JoinHostPort(absl::GetFlag(FLAGS_listen_host), port);
  options.dht_api_address = absl::GetFlag(FLAGS_dht_api_address);
  options.store.table.max_peers = max_peers;
  options.store.table.health.healthy_response_window =
      absl::GetFlag(FLAGS_health_response_window);
  options.store.table.health.prune_age = absl::GetFlag(FLAGS_prune_age);
  options.store.discovery.exchange_interval =
      absl::GetFlag(FLAGS_exchange_interval);
  options.store.discovery.rebootstrap_delay =
      absl::GetFlag(FLAGS_rebootstrap_delay);
  options.store.discovery.max_rebootstrap_backoff =
      absl::GetFlag(FLAGS_max_rebootstrap_backoff);
  if (options.store.discovery.max_rebootstrap_backoff <
      options.store.discovery.rebootstrap_delay) {
    options.store.discovery.max_rebootstrap_backoff =
        options.store.discovery.rebootstrap_delay;
  }
  options.driver.bootstrap_peers = *std::move(bootstrap);
  options.driver.rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout);
  options.shutdown_grace = grace;
  if (absl::Status s = options.Validate(); !s.ok()) {
    UsageError(absl::StrCat("invalid configuration: ", s.message()));
  }
  return options;
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "peer-manager: the node's known peers (PeerManager API)");
  ParseServiceFlags("peer-manager", argc, argv,
                    {{"listen_host", "LISTEN_HOST"},
                     {"port", "PEER_MANAGER_PORT"},
                     {"data_dir", "DATA_DIR"},
                     {"dht_api_address", "DHT_API_ADDRESS"},
                     {"initial_peers", "INITIAL_PEERS"},
                     {"exchange_interval", "PEER_EXCHANGE_INTERVAL"},
                     {"rebootstrap_delay", "REBOOTSTRAP_DELAY"},
                     {"max_rebootstrap_backoff", "MAX_REBOOTSTRAP_BACKOFF"},
                     {"max_peers", "MAX_PEERS"},
                     {"health_response_window", "HEALTH_RESPONSE_WINDOW"},
                     {"prune_age", "PRUNE_AGE"},
                     {"rpc_timeout", "RPC_TIMEOUT"},
                     {"log_format", "LOG_FORMAT"},
                     {"log_level", "LOG_LEVEL"},
                     {"shutdown_grace", "SHUTDOWN_GRACE"}});

  if (absl::Status s =
          InitLogging("peer-manager", absl::GetFlag(FLAGS_log_format),
                      absl::GetFlag(FLAGS_log_level));
      !s.ok()) {
    UsageError(s.message());
  }
  const PeerManagerNodeOptions options = OptionsFromFlags();

  absl::StatusOr<std::unique_ptr<PeerManagerNode>> node =
      PeerManagerNode::Start(options);
  if (!node.ok()) {
    spdlog::critical("cannot start: {}", node.status().ToString());
    return 1;
  }
  spdlog::info(
      "peer-manager started: API port {}, known peers in {}, dht-service at "
      "{}, {} bootstrap peers",
      (*node)->port(), (*node)->known_peers_path(), options.dht_api_address,
      options.driver.bootstrap_peers.size());
  const int sig = WaitForTerminationSignal();
  spdlog::info("signal {}: shutting down (grace {})", sig,
               absl::FormatDuration(options.shutdown_grace));
  (*node)->Shutdown();
  node->reset();
  spdlog::info("peer-manager stopped");
  return 0;
}

}  // namespace
}  // namespace datamgmt::peer_manager

int main(int argc, char** argv) {
  return datamgmt::peer_manager::Main(argc, argv);
}
