// dht-service: the node's Kademlia process (issue 3). Flags, each with an
// environment variable, make a DhtNodeOptions; the node runs until SIGTERM
// or SIGINT, then shuts down gracefully and exits 0. Bad flag values exit 2
// with a message naming the flag.
#include <unistd.h>

#include <climits>
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
#include "services/dht/dht_node.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, p2p_listen_host, "0.0.0.0",
          "Host the P2P port listens on (env P2P_LISTEN_HOST).");
ABSL_FLAG(int, p2p_port, 8000,
          "P2P port, 0..65535; 0 picks a free port (env P2P_PORT).");
ABSL_FLAG(bool, p2p_insecure, false,
          "Plaintext P2P instead of mutual TLS, for local debugging only: "
          "node IDs are not checked against keys. Nodes with and without it "
          "cannot talk to each other (env P2P_INSECURE).");
ABSL_FLAG(std::string, advertise_address, "",
          "host:port other nodes dial (env ADVERTISE_ADDRESS). Default: "
          "<hostname>:<p2p_port>.");
ABSL_FLAG(std::string, api_listen_host, "127.0.0.1",
          "Host the local API (DhtService, PeerDialer) listens on; loopback "
          "by default (env API_LISTEN_HOST).");
ABSL_FLAG(int, api_port, 9000, "Local API port, 0..65535 (env API_PORT).");
ABSL_FLAG(std::string, data_dir, "./data",
          "Directory of the node key (node_key.pem) and the RocksDB store "
          "(env DATA_DIR).");
ABSL_FLAG(std::string, peer_manager_address, "127.0.0.1:9001",
          "peer-manager's API, host:port; empty for none "
          "(env PEER_MANAGER_ADDRESS).");
ABSL_FLAG(int, k, datamgmt::kademlia::kDefaultK,
          "Kademlia k: bucket size and replication factor, 1..20 (env DHT_K).");
ABSL_FLAG(int, alpha, datamgmt::kademlia::kDefaultAlpha,
          "Kademlia alpha: parallel lookup queries, >= 1 (env DHT_ALPHA).");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(2),
          "Deadline of each P2P and peer-manager call (env RPC_TIMEOUT).");
ABSL_FLAG(absl::Duration, inbound_sender_ttl, absl::Minutes(5),
          "A peer that called us is reported to peer-manager at most once "
          "per this period; keep it below peer-manager's --prune_age so a "
          "pruned peer that comes back is reported again "
          "(env INBOUND_SENDER_TTL).");
ABSL_FLAG(absl::Duration, peer_counts_max_age, absl::Seconds(1),
          "GetNetworkStats reuses peer-manager's peer counts for this long; "
          "0 asks on every call (env PEER_COUNTS_MAX_AGE).");
ABSL_FLAG(absl::Duration, republish_interval,
          datamgmt::kademlia::kDefaultRepublishInterval,
          "How often held values are re-stored at the k closest nodes "
          "(env REPUBLISH_INTERVAL).");
ABSL_FLAG(int64_t, max_value_size, 1 << 20,
          "Largest value in bytes, 1..1048576 (env MAX_VALUE_SIZE).");
ABSL_FLAG(int, max_peer_channels, 256,
          "Channels to peers kept open at most (env MAX_PEER_CHANNELS).");
ABSL_FLAG(double, peer_rate_limit, 200,
          "Inbound P2P requests per second allowed per sender node ID "
          "(env PEER_RATE_LIMIT).");
ABSL_FLAG(double, peer_rate_burst, 400,
          "Burst of inbound P2P requests allowed per sender node ID "
          "(env PEER_RATE_BURST).");
ABSL_FLAG(double, source_rate_limit, 400,
          "Inbound P2P requests per second allowed per source address (IPv4 "
          "address or IPv6 /64) (env SOURCE_RATE_LIMIT).");
ABSL_FLAG(double, source_rate_burst, 800,
          "Burst of inbound P2P requests allowed per source address "
          "(env SOURCE_RATE_BURST).");
ABSL_FLAG(bool, rate_limit_loopback, false,
          "Rate-limit and ban loopback sources too; off so that a network on "
          "one machine shares 127.0.0.1 freely (env RATE_LIMIT_LOOPBACK).");
ABSL_FLAG(double, ban_threshold, 100,
          "A peer whose misbehaviour score falls to minus this is banned "
          "(env BAN_THRESHOLD).");
ABSL_FLAG(absl::Duration, ban_duration, absl::Hours(1),
          "How long a ban lasts (env BAN_DURATION).");
ABSL_FLAG(int, max_tracked_peers, 10000,
          "Peers (node IDs, source addresses) whose rate, score or ban is "
          "kept in memory, each (env MAX_TRACKED_PEERS).");
ABSL_FLAG(int, max_contacts_per_prefix, -1,
          "Most routing-table contacts per bucket from one IPv4 /24 or IPv6 "
          "/64; -1 means k/2, 0 no limit (env MAX_CONTACTS_PER_PREFIX).");
ABSL_FLAG(int64_t, p2p_max_message_size, (1 << 20) + (64 << 10),
          "Largest P2P request in bytes; at least max_value_size + 65536 "
          "(env P2P_MAX_MESSAGE_SIZE).");
ABSL_FLAG(int, p2p_max_concurrent_streams, 100,
          "Concurrent P2P calls per connection (env "
          "P2P_MAX_CONCURRENT_STREAMS).");
ABSL_FLAG(std::string, log_format, "text",
          "text or json (JSON lines) (env LOG_FORMAT).");
ABSL_FLAG(std::string, log_level, "info",
          "trace, debug, info, warn, error, critical or off (env LOG_LEVEL).");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "How long calls in flight may finish on shutdown "
          "(env SHUTDOWN_GRACE).");

namespace datamgmt::dht {
namespace {

std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name)) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

DhtNodeOptions OptionsFromFlags() {
  const int p2p_port = absl::GetFlag(FLAGS_p2p_port);
  const int api_port = absl::GetFlag(FLAGS_api_port);
  CheckPort("p2p_port", p2p_port);
  CheckPort("api_port", api_port);
  const int k = absl::GetFlag(FLAGS_k);
  if (k < 1 || k > kademlia::kDefaultK) {
    UsageError(
        absl::StrCat("--k must be 1..", kademlia::kDefaultK, ", got ", k));
  }
  const int alpha = absl::GetFlag(FLAGS_alpha);
  if (alpha < 1) UsageError(absl::StrCat("--alpha must be >= 1, got ", alpha));
  const absl::Duration rpc_timeout = absl::GetFlag(FLAGS_rpc_timeout);
  CheckPositiveDuration("rpc_timeout", rpc_timeout);
  const absl::Duration republish = absl::GetFlag(FLAGS_republish_interval);
  CheckPositiveDuration("republish_interval", republish);
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  CheckNonNegativeDuration("shutdown_grace", grace);
  const int64_t max_value = absl::GetFlag(FLAGS_max_value_size);
  if (max_value < 1 || max_value > static_cast<int64_t>(kMaxValueBytes)) {
    UsageError(absl::StrCat("--max_value_size must be 1..", kMaxValueBytes,
                            ", got ", max_value));
  }
  const int channels = absl::GetFlag(FLAGS_max_peer_channels);
  if (channels < 1) {
    UsageError(
        absl::StrCat("--max_peer_channels must be >= 1, got ", channels));
  }
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (data_dir.empty()) UsageError("--data_dir must not be empty");
  const int max_tracked = absl::GetFlag(FLAGS_max_tracked_peers);
  if (max_tracked < 1) {
    UsageError(
        absl::StrCat("--max_tracked_peers must be >= 1, got ", max_tracked));
  }
  const int per_prefix = absl::GetFlag(FLAGS_max_contacts_per_prefix);
  if (per_prefix < -1) {
    UsageError(absl::StrCat("--max_contacts_per_prefix must be >= -1, got ",
                            per_prefix));
  }
  const int64_t max_message = absl::GetFlag(FLAGS_p2p_max_message_size);
  const int64_t min_message =
      max_value + static_cast<int64_t>(kP2pMessageOverheadBytes);
  if (max_message < min_message || max_message > INT_MAX) {
    UsageError(absl::StrCat("--p2p_max_message_size must be ", min_message,
                            "..", INT_MAX, " (max_value_size + 65536), got ",
                            max_message));
  }
  const int streams = absl::GetFlag(FLAGS_p2p_max_concurrent_streams);
  if (streams < 1) {
    UsageError(absl::StrCat("--p2p_max_concurrent_streams must be >= 1, got ",
                            streams));
  }
  const absl::Duration ban_duration = absl::GetFlag(FLAGS_ban_duration);
  CheckPositiveDuration("ban_duration", ban_duration);
  std::string advertise = absl::GetFlag(FLAGS_advertise_address);
  if (advertise.empty()) advertise = net::JoinHostPort(HostName(), p2p_port);

  DhtNodeOptions options;
  options.data_dir = data_dir;
  options.p2p_insecure = absl::GetFlag(FLAGS_p2p_insecure);
  options.p2p_listen_address =
      net::JoinHostPort(absl::GetFlag(FLAGS_p2p_listen_host), p2p_port);
  options.advertise_address = advertise;
  options.api_listen_address =
      net::JoinHostPort(absl::GetFlag(FLAGS_api_listen_host), api_port);
  options.peer_manager_address = absl::GetFlag(FLAGS_peer_manager_address);
  options.peer_manager_timeout = rpc_timeout;
  options.peer_counts_max_age = absl::GetFlag(FLAGS_peer_counts_max_age);
  options.reporter.sender_ttl = absl::GetFlag(FLAGS_inbound_sender_ttl);
  CheckNonNegativeDuration("inbound_sender_ttl", options.reporter.sender_ttl);
  CheckNonNegativeDuration("peer_counts_max_age", options.peer_counts_max_age);
  options.table.k = k;
  options.lookup.lookup.k = k;
  options.lookup.lookup.alpha = alpha;
  options.client.rpc_timeout = rpc_timeout;
  options.client.max_value_bytes = static_cast<size_t>(max_value);
  options.p2p.k = k;
  options.p2p.max_value_bytes = static_cast<size_t>(max_value);
  options.data.max_value_bytes = static_cast<size_t>(max_value);
  options.maintenance.republish_interval = republish;
  options.maintenance.sparse_table_size = k;
  options.max_peer_channels = static_cast<size_t>(channels);
  if (per_prefix >= 0) options.table.max_contacts_per_prefix = per_prefix;
  options.guard.per_peer.bucket = {
      .rate_per_second = absl::GetFlag(FLAGS_peer_rate_limit),
      .burst = absl::GetFlag(FLAGS_peer_rate_burst)};
  options.guard.per_source.bucket = {
      .rate_per_second = absl::GetFlag(FLAGS_source_rate_limit),
      .burst = absl::GetFlag(FLAGS_source_rate_burst)};
  options.guard.per_peer.max_keys = static_cast<size_t>(max_tracked);
  options.guard.per_source.max_keys = static_cast<size_t>(max_tracked);
  options.guard.scores.max_tracked = static_cast<size_t>(max_tracked);
  options.guard.scores.max_bans = static_cast<size_t>(max_tracked);
  options.guard.scores.ban_threshold = absl::GetFlag(FLAGS_ban_threshold);
  options.guard.scores.ban_duration = ban_duration;
  options.guard.limit_loopback = absl::GetFlag(FLAGS_rate_limit_loopback);
  options.p2p_max_receive_message_bytes = static_cast<int>(max_message);
  options.p2p_max_concurrent_streams = streams;
  options.shutdown_grace = grace;
  if (absl::Status s = options.Validate(); !s.ok()) {
    UsageError(absl::StrCat("invalid configuration: ", s.message()));
  }
  return options;
}

int Main(int argc, char** argv) {
  BlockTerminationSignals();
  absl::SetProgramUsageMessage(
      "dht-service: the Kademlia node (P2P port, DhtService, PeerDialer)");
  ParseServiceFlags("dht-service", argc, argv,
                    {{"p2p_listen_host", "P2P_LISTEN_HOST"},
                     {"p2p_port", "P2P_PORT"},
                     {"p2p_insecure", "P2P_INSECURE"},
                     {"advertise_address", "ADVERTISE_ADDRESS"},
                     {"api_listen_host", "API_LISTEN_HOST"},
                     {"api_port", "API_PORT"},
                     {"data_dir", "DATA_DIR"},
                     {"peer_manager_address", "PEER_MANAGER_ADDRESS"},
                     {"k", "DHT_K"},
                     {"alpha", "DHT_ALPHA"},
                     {"rpc_timeout", "RPC_TIMEOUT"},
                     {"peer_counts_max_age", "PEER_COUNTS_MAX_AGE"},
                     {"inbound_sender_ttl", "INBOUND_SENDER_TTL"},
                     {"republish_interval", "REPUBLISH_INTERVAL"},
                     {"max_value_size", "MAX_VALUE_SIZE"},
                     {"max_peer_channels", "MAX_PEER_CHANNELS"},
                     {"peer_rate_limit", "PEER_RATE_LIMIT"},
                     {"peer_rate_burst", "PEER_RATE_BURST"},
                     {"source_rate_limit", "SOURCE_RATE_LIMIT"},
                     {"source_rate_burst", "SOURCE_RATE_BURST"},
                     {"rate_limit_loopback", "RATE_LIMIT_LOOPBACK"},
                     {"ban_threshold", "BAN_THRESHOLD"},
                     {"ban_duration", "BAN_DURATION"},
                     {"max_tracked_peers", "MAX_TRACKED_PEERS"},
                     {"max_contacts_per_prefix", "MAX_CONTACTS_PER_PREFIX"},
                     {"p2p_max_message_size", "P2P_MAX_MESSAGE_SIZE"},
                     {"p2p_max_concurrent_streams",
                      "P2P_MAX_CONCURRENT_STREAMS"},
                     {"log_format", "LOG_FORMAT"},
                     {"log_level", "LOG_LEVEL"},
                     {"shutdown_grace", "SHUTDOWN_GRACE"}});

  if (absl::Status s =
          InitLogging("dht-service", absl::GetFlag(FLAGS_log_format),
                      absl::GetFlag(FLAGS_log_level));
      !s.ok()) {
    UsageError(s.message());
  }
  const DhtNodeOptions options = OptionsFromFlags();

  absl::StatusOr<std::unique_ptr<DhtNode>> node = DhtNode::Start(options);
  if (!node.ok()) {
    spdlog::critical("cannot start: {}", node.status().ToString());
    return 1;
  }
  spdlog::info(
      "dht-service started: node {} advertising {}, P2P port {} ({}), API "
      "port {}, data in {}",
      (*node)->id().ToHex(), (*node)->address(), (*node)->p2p_port(),
      (*node)->p2p_insecure() ? "PLAINTEXT" : "mutual TLS",
      (*node)->api_port(), options.data_dir);
  const int sig = WaitForTerminationSignal();
  spdlog::info("signal {}: shutting down (grace {})", sig,
               absl::FormatDuration(options.shutdown_grace));
  (*node)->Shutdown();
  node->reset();
  spdlog::info("dht-service stopped");
  return 0;
}

}  // namespace
}  // namespace datamgmt::dht

int main(int argc, char** argv) { return datamgmt::dht::Main(argc, argv); }
