// A whole peer-manager process minus flags: the peer store loaded from
// known_peers.json, the PeerManager gRPC service, and the discovery driver
// that bootstraps, exchanges and saves through dht-service's PeerDialer.
// main is flags plus a PeerManagerNode; tests run several in one process.
//
//   absl::StatusOr<std::unique_ptr<PeerManagerNode>> node =
//       PeerManagerNode::Start({.data_dir = "/var/lib/datamgmt"});
//   WaitForTerminationSignal();
//   (*node)->Shutdown();
//
// Start-up: known_peers.json is loaded from data_dir. A corrupt file is
// moved aside to "known_peers.json.corrupt-<unix seconds>", an error naming
// both paths is logged, and the node starts from its bootstrap peers; it is
// never overwritten. Health (grpc.health.v1) is SERVING once the file is
// loaded and the server is up, NOT_SERVING as soon as Shutdown begins.
//
// Thread-safe. Start and Shutdown must not run on a gRPC callback thread.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_NODE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_NODE_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/grpc/server.h"
#include "common/net/peer_address.h"
#include "common/time/clock.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "services/peer_manager/discovery_driver.h"
#include "services/peer_manager/peer_manager_service.h"
#include "services/peer_manager/peer_store.h"

namespace datamgmt::peer_manager {

struct PeerManagerNodeOptions {
  // Holds known_peers.json (shared with dht-service's data directory);
  // created if missing. Required.
  std::string data_dir{};
  // Where the PeerManager API listens; port 0 picks a free port (see
  // port()). Default: "127.0.0.1:9001".
  std::string listen_address = "127.0.0.1:9001";
  // dht-service's local API (PeerDialer), "host:port".
  // Default: "127.0.0.1:9000".
  std::string dht_api_address = "127.0.0.1:9000";
  // Table (max_peers 1000, the seed's health thresholds), discovery (5 min
  // exchange, 30 s re-bootstrap) and save batching (10 s). known_peers_path
  // is replaced by data_dir/known_peers.json. Default: the seed's values.
  PeerStoreOptions store{};
  // Bootstrap peers, rpc_timeout (2 s), exchange plan. Default: no
  // bootstrap peers.
  DiscoveryDriverOptions driver{};
  // How long Shutdown lets calls in flight finish. Default: 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Run the driver loop on a thread of the node. Tests that step a
  // FakeClock turn it off and call driver().Tick. Default: true.
  bool run_driver_thread = true;
  // Time for the table, schedule and saves. Not owned.
  // Default (nullptr): RealClock().
  Clock* clock = nullptr;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class PeerManagerNode {
 public:
  // Loads known_peers.json, starts the server and the driver loop, then
  // reports SERVING. Returns InvalidArgument for bad options, Unavailable
  // if the port cannot be bound, another error if the data directory or
  // the file cannot be read (a corrupt file is not an error).
  static absl::StatusOr<std::unique_ptr<PeerManagerNode>> Start(
      PeerManagerNodeOptions options);

  // Shutdown(), if not done yet.
  ~PeerManagerNode();

  // NOT_SERVING, stops the driver loop, lets calls in flight finish for up
  // to shutdown_grace, then writes unsaved changes. Idempotent.
  void Shutdown();

  int port() const { return server_->port(); }
  const std::string& known_peers_path() const { return known_peers_path_; }
  PeerStore& store() { return *store_; }
  DiscoveryDriver& driver() { return *driver_; }

 private:
  PeerManagerNode() = default;
  absl::Status Wire(const PeerManagerNodeOptions& options);
  absl::Status LoadKnownPeers(absl::Time now);
  void DriverLoop();

  Clock* clock_ = nullptr;
  std::string known_peers_path_;
  std::unique_ptr<PeerStore> store_;
  std::unique_ptr<dht::v1::PeerDialer::Stub> dialer_;
  std::unique_ptr<DiscoveryDriver> driver_;
  std::unique_ptr<PeerManagerService> service_;
  std::unique_ptr<GrpcServer> server_;

  std::thread loop_;
  absl::Mutex loop_mu_;
  bool stopping_ ABSL_GUARDED_BY(loop_mu_) = false;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_NODE_H_
