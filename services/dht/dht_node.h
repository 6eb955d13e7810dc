// A whole dht-service node: identity and storage in a data directory, the
// P2P runtime (routing, outbound client, lookups, PeerProtocol), the local
// API (DhtService and PeerDialer), the peer-manager reporters and the
// maintenance loop, wired in the one order that makes shutdown safe. One
// PeerGuard (peer_guard.h) polices both directions of P2P traffic; a ban
// removes the peer from the routing table and is reported to peer-manager. main
// is flags plus a DhtNode; tests run many in one process.
//
//   absl::StatusOr<std::unique_ptr<DhtNode>> node = DhtNode::Start(
//       {.data_dir = "/var/lib/datamgmt", .advertise_address = "n1:8000"});
//   spdlog::info("node {} on P2P port {}", (*node)->id().ToHex(),
//                (*node)->p2p_port());
//   WaitForTerminationSignal();
//   (*node)->Shutdown();
//
// Health (grpc.health.v1, both ports): NOT_SERVING while Start wires the
// node (storage is opened first), SERVING once Start returns, NOT_SERVING
// again as soon as Shutdown begins.
//
// Identity: the node's key is `<data_dir>/node_key.pem` (node_identity.h)
// and its ID the key's. The P2P port speaks mutual TLS with a self-signed
// certificate of that key; every request's sender and every answer's
// responder must be the node of the certificate on its connection
// (PeerAuthenticator), else UNAUTHENTICATED. With `p2p_insecure` the port is
// plaintext and IDs are claims (local debugging only; a warning is logged
// at start and every hour). TLS and plaintext nodes cannot talk.
// RotateIdentity moves the running node to a new key and ID.
//
// Thread-safe: accessors return thread-safe parts. Start and Shutdown must
// not run on a gRPC callback thread.
#ifndef DATAMGMT_SERVICES_DHT_DHT_NODE_H_
#define DATAMGMT_SERVICES_DHT_DHT_NODE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/crypto/node_key.h"
#include "common/grpc/channel_cache.h"
#include "common/grpc/peer_tls.h"
#include "common/grpc/server.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/routing_table.h"
#include "common/time/clock.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/dht/contact_learner.h"
#include "services/dht/content_store.h"
#include "services/dht/data_ops.h"
#include "services/dht/dht_api_service.h"
#include "services/dht/grpc_peer_client.h"
#include "services/dht/identity_rotation.h"
#include "services/dht/lookup_runner.h"
#include "services/dht/maintenance.h"
#include "services/dht/p2p_service.h"
#include "services/dht/peer_authenticator.h"
#include "services/dht/peer_dialer_service.h"
#include "services/dht/peer_guard.h"
#include "services/dht/peer_manager_reporter.h"
#include "services/dht/routing.h"
#include "services/dht/self_contact.h"
#include "services/dht/standing_reporter.h"
#include "services/dht/traffic_stats.h"

namespace datamgmt::dht {

// Room in a P2P request beyond its value: the key, the sender, and up to
// 100 peer entries of a SharePeers (each at most ~300 bytes).
inline constexpr size_t kP2pMessageOverheadBytes = 64 << 10;

struct DhtNodeOptions {
  // Holds `node_key.pem` (node_identity.h) and the RocksDB store in
  // `content/`; created if missing. Required.
  std::string data_dir{};
  // Plaintext P2P instead of mutual TLS: for local debugging only. Default:
  // false.
  bool p2p_insecure = false;
  // Where the P2P port (PeerProtocol) listens. Port 0 picks a free port
  // (see DhtNode::p2p_port). Default: "0.0.0.0:8000".
  std::string p2p_listen_address = "0.0.0.0:8000";
  // The P2P address other nodes dial, "host:port". Port 0 means the P2P
  // port actually bound (for port 0 listeners). Required (main defaults it
  // to "<hostname>:<p2p port>").
  std::string advertise_address{};
  // Where the local API (DhtService, PeerDialer) listens. Local services
  // bind loopback by default. Default: "127.0.0.1:9000".
  std::string api_listen_address = "127.0.0.1:9000";
  // peer-manager's API. Empty: none (no reports, no bootstrap, GetPeers,
  // SharePeers and GetNetworkStats are UNAVAILABLE).
  // Default: "127.0.0.1:9001".
  std::string peer_manager_address = "127.0.0.1:9001";
  // Deadline of every call to peer-manager. Positive. Default: 2 s.
  absl::Duration peer_manager_timeout = absl::Seconds(2);
  // How long GetNetworkStats reuses peer-manager's peer counts. Not
  // negative; zero asks on every call. Default: 1 s.
  absl::Duration peer_counts_max_age = absl::Seconds(1);
  // Routing table: k, refresh interval, eviction policy. Default: k = 20.
  kademlia::RoutingTableOptions table{};
  // Lookups: k (also the replication factor) and alpha, and the per-query
  // deadline. Default: k = 20, alpha = 3, the client's rpc_timeout.
  LookupRunnerOptions lookup{};
  // Outbound P2P calls (deadlines, limits). Its `observer` is ignored: see
  // `observer` below. Default: 2 s per call, 5 s per Store.
  GrpcPeerClientOptions client{};
  // The PeerProtocol service (k, max_value_bytes). Its peer_manager_timeout
  // is replaced by the one above. Default: k = 20, 1 MiB.
  P2pServiceOptions p2p{};
  // Put/Get (max_value_bytes). Default: 1 MiB.
  DataOpsOptions data{};
  // Batching of reports to peer-manager. Default: see the struct.
  PeerManagerReporterOptions reporter{};
  // Bucket refresh, republish (default hourly), bootstrap.
  MaintenanceOptions maintenance{};
  // Abuse resistance on the P2P port (rate limits, scores, bans). Default:
  // see PeerGuardOptions (200 requests/s per node ID, 400 per address, ban
  // at score -100 for 1 hour, loopback exempt from limits).
  PeerGuardOptions guard{};
  // Reports of misbehaving peers to peer-manager. Its rpc_timeout is
  // replaced by peer_manager_timeout. Default: see the struct.
  StandingReporterOptions standings{};
  // Largest request message the P2P port accepts (gRPC answers larger ones
  // with RESOURCE_EXHAUSTED before any handler runs). At least
  // p2p.max_value_bytes + kP2pMessageOverheadBytes, so that a Store of the
  // largest value fits. Default: 1 MiB + 64 KiB.
  int p2p_max_receive_message_bytes =
      static_cast<int>(kMaxValueBytes + kP2pMessageOverheadBytes);
  // Concurrent calls (HTTP/2 streams) per connection on the P2P port. At
  // least 1. Default: 100.
  int p2p_max_concurrent_streams = 100;
  // Channels to peers kept open at most. At least 1. Default: 256.
  size_t max_peer_channels = 256;
  // Values handed over at once by RotateIdentity. At least 1. Default: 8.
  int handover_concurrency = 8;
  // How long Shutdown lets calls in flight finish. Default: 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Run the maintenance loop on a thread of the node. Tests that step a
  // FakeClock turn it off and call maintenance().Tick. Default: true.
  bool run_maintenance_thread = true;
  // Time for routing, reports, maintenance and uptime. Not owned.
  // Default (nullptr): RealClock().
  Clock* clock = nullptr;
  // Where contact reports go. Not owned. Default (nullptr): a
  // PeerManagerReporter to peer_manager_address, if one is set.
  ContactObserver* observer = nullptr;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class DhtNode final : public IdentityRotator {
 public:
  // Loads or creates the node key, opens storage, starts both servers and
  // the maintenance loop, then reports SERVING. Returns InvalidArgument for
  // bad options, Unavailable if a port cannot be bound or the store is
  // locked by another process, FailedPrecondition for a bad node_key.pem.
  static absl::StatusOr<std::unique_ptr<DhtNode>> Start(DhtNodeOptions options);

  // Shutdown(), if not done yet.
  ~DhtNode() override;

  // NOT_SERVING on both ports, waits for a rotation in progress, stops the
  // maintenance loop, lets calls in flight finish for up to shutdown_grace
  // (both servers at once), cancels outbound calls, sends what the reporter
  // holds (best effort, with its deadline) and closes storage. Idempotent.
  void Shutdown();

  // Identity rotation, on a thread of the node: generates a new key and
  // stores it (the old one stays as node_key.pem.previous), switches the
  // running node to the new ID (self contact; routing table re-keyed; P2P
  // server restarted on the same port with the new certificate, so every
  // peer reconnects and sees it; cached channels dropped), pings every
  // contact it knew (they learn the new ID and, finding the old one gone
  // from the address, drop it), looks up its new ID, and hands every stored
  // value to the k closest nodes of its key (HandOverValues). Values stay in
  // local storage too. Calls in flight during the switch may fail once.
  // `done` gets the old and new IDs and the hand-over counts, or
  // FailedPrecondition while another rotation runs, Unavailable once
  // shutting down, the I/O error if the key cannot be stored (nothing
  // changed then), or Internal if the P2P port cannot be bound again.
  void RotateIdentity(RotateDone done) override;
  // The same, blocking. Not on a gRPC callback thread.
  absl::StatusOr<RotationResult> RotateIdentityNow();

  kademlia::NodeId id() const { return self_->id(); }
  kademlia::Contact contact() const { return self_->Get(); }
  std::string address() const { return contact().address; }
  int p2p_port() const { return p2p_port_; }
  int api_port() const { return api_server_->port(); }
  bool p2p_insecure() const { return insecure_; }

  Routing& routing() { return *routing_; }
  ContentStore& store() { return *store_; }
  TrafficStats& stats() { return traffic_; }
  GrpcPeerClient& client() { return *client_; }
  ContactLearner& learner() { return *learner_; }
  LookupRunner& lookups() { return *runner_; }
  DataOps& data() { return *data_; }
  Maintenance& maintenance() { return *maintenance_; }
  // nullptr without a peer-manager or with an injected observer.
  PeerManagerReporter* reporter() { return reporter_.get(); }
  PeerGuard& guard() { return *guard_; }
  // nullptr without a peer-manager.
  StandingReporter* standing_reporter() { return standings_.get(); }

 private:
  DhtNode() = default;
  absl::Status Wire(const DhtNodeOptions& options);
  void MaintenanceLoop();
  // The TLS identity of `key` (certificate made now).
  static absl::StatusOr<TlsIdentity> IdentityOf(const crypto::NodeKey& key);
  // Starts the P2P server on `listen_address` with `identity` (plaintext if
  // insecure_).
  absl::StatusOr<std::unique_ptr<GrpcServer>> StartP2pServer(
      const std::string& listen_address, const TlsIdentity& identity);
  // The steps of a rotation (dht_node_rotation.cc), on the rotation thread.
  absl::StatusOr<RotationResult> Rotate();
  absl::Status SwitchIdentity(const crypto::NodeKey& next);
  // A ban began: drop the peer from the routing table, report it.
  void OnBan(const BanNotice& ban);

  DhtNodeOptions options_;
  bool insecure_ = false;
  Clock* clock_ = nullptr;
  absl::Time start_time_;
  std::unique_ptr<ContentStore> store_;
  std::unique_ptr<SelfContact> self_;
  std::unique_ptr<Routing> routing_;
  std::unique_ptr<PeerGuard> guard_;
  TrafficStats traffic_;
  std::unique_ptr<ChannelCache> channels_;
  std::unique_ptr<peers::v1::PeerManager::Stub> peer_manager_;
  std::unique_ptr<PeerManagerReporter> reporter_;
  std::unique_ptr<StandingReporter> standings_;
  std::unique_ptr<GrpcPeerClient> client_;
  std::unique_ptr<ContactLearner> learner_;
  std::unique_ptr<LookupRunner> runner_;
  std::unique_ptr<P2pService> p2p_service_;
  std::unique_ptr<DataOps> data_;
  std::unique_ptr<DhtApiService> api_service_;
  std::unique_ptr<PeerDialerService> dialer_service_;
  std::unique_ptr<Maintenance> maintenance_;
  std::unique_ptr<PeerAuthenticator> authenticator_;  // null if insecure_
  std::unique_ptr<GrpcServer> api_server_;
  int p2p_port_ = 0;

  // The key and the P2P server, replaced by a rotation.
  absl::Mutex identity_mu_;
  std::optional<crypto::NodeKey> key_ ABSL_GUARDED_BY(identity_mu_);
  std::unique_ptr<GrpcServer> p2p_server_ ABSL_GUARDED_BY(identity_mu_);

  // The rotation in progress, if any.
  absl::Mutex rotation_mu_;
  std::thread rotation_thread_ ABSL_GUARDED_BY(rotation_mu_);
  bool rotating_ ABSL_GUARDED_BY(rotation_mu_) = false;
  bool rotation_closed_ ABSL_GUARDED_BY(rotation_mu_) = false;
  std::atomic<bool> stop_handover_{false};

  std::thread loop_;
  absl::Mutex loop_mu_;
  bool stopping_ ABSL_GUARDED_BY(loop_mu_) = false;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_DHT_NODE_H_
