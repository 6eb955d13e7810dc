#include "services/peer_manager/peer_manager_node.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/peer_manager/known_peers_file.h"
#include "services/peer_manager/known_peers_records.h"
#include "spdlog/spdlog.h"

namespace datamgmt::peer_manager {

absl::Status PeerManagerNodeOptions::Validate() const {
  if (data_dir.empty())
    return absl::InvalidArgumentError("data_dir is required");
  if (listen_address.empty()) {
    return absl::InvalidArgumentError("listen_address is required");
  }
  const size_t colon = dht_api_address.rfind(':');
  if (colon == std::string::npos || colon == 0 ||
      colon + 1 == dht_api_address.size()) {
    return absl::InvalidArgumentError("dht_api_address must be host:port");
  }
  if (shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("shutdown_grace must not be negative");
  }
  if (absl::Status s = store.Validate(); !s.ok()) return s;
  return driver.Validate();
}

absl::StatusOr<std::unique_ptr<PeerManagerNode>> PeerManagerNode::Start(
    PeerManagerNodeOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<PeerManagerNode> node(new PeerManagerNode());
  if (absl::Status s = node->Wire(options); !s.ok()) {
    node->Shutdown();
    return s;
  }
  node->server_->SetServing(true);
  if (options.run_driver_thread) {
    node->loop_ = std::thread([n = node.get()] { n->DriverLoop(); });
  }
  return node;
}

absl::Status PeerManagerNode::Wire(const PeerManagerNodeOptions& options) {
  clock_ = options.clock != nullptr ? options.clock : &RealClock();
  const absl::Time now = clock_->Now();
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot create ", options.data_dir,
                                            ": ", error.message()));
  }
  known_peers_path_ = (std::filesystem::path(options.data_dir) /
                       std::string(kKnownPeersFileName))
                          .string();
  PeerStoreOptions store_options = options.store;
  store_options.known_peers_path = known_peers_path_;
  absl::StatusOr<std::unique_ptr<PeerStore>> store = PeerStore::Create(
      store_options, !options.driver.bootstrap_peers.empty(), now);
  if (!store.ok()) return store.status();
  store_ = *std::move(store);
  if (absl::Status s = LoadKnownPeers(now); !s.ok()) return s;

  dialer_ = dht::v1::PeerDialer::NewStub(grpc::CreateChannel(
      options.dht_api_address, grpc::InsecureChannelCredentials()));
  driver_ = std::make_unique<DiscoveryDriver>(*store_, *dialer_, *clock_,
                                              options.driver);
  service_ = std::make_unique<PeerManagerService>(*store_, *clock_);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = options.listen_address,
       .shutdown_grace = options.shutdown_grace},
      {{service_.get(),
        std::string(peers::v1::PeerManager::service_full_name())}});
  if (!server.ok()) return server.status();
  server_ = *std::move(server);
  return absl::OkStatus();
}

absl::Status PeerManagerNode::LoadKnownPeers(absl::Time now) {
  absl::StatusOr<KnownPeers> peers = LoadKnownPeersFile(known_peers_path_);
  if (IsCorruptKnownPeersFile(peers.status())) {
    absl::StatusOr<std::string> backup =
        MoveCorruptFileAside(known_peers_path_, now);
    if (!backup.ok()) {
      spdlog::error("{}; cannot move it aside: {}", peers.status().ToString(),
                    backup.status().ToString());
      return backup.status();  // never overwrite it
    }
    spdlog::error(
        "known peers file {} is corrupt ({}); kept it as {} and starting from "
        "the bootstrap peers",
        known_peers_path_, std::string(peers.status().message()), *backup);
    return absl::OkStatus();
  }
  if (!peers.ok()) return peers.status();
  const RestoreOutcome restored =
      store_->Restore(RecordsFromKnownPeers(*peers, now), now);
  spdlog::info("loaded {} known peers from {} ({} skipped)", restored.restored,
               known_peers_path_,
               restored.skipped_self + restored.skipped_duplicate +
                   restored.skipped_over_capacity);
  return absl::OkStatus();
}

void PeerManagerNode::DriverLoop() {
  uint64_t generation = store_->generation();
  absl::MutexLock lock(&loop_mu_);
  while (!stopping_) {
    loop_mu_.Unlock();
    const absl::Time next = driver_->Tick(clock_->Now());
    // Wake at `next`, or earlier when the table changes (e.g. it became
    // empty, which schedules a re-bootstrap) or Shutdown stops the store.
    generation = store_->WaitForChange(generation, next - clock_->Now());
    loop_mu_.Lock();
  }
}

PeerManagerNode::~PeerManagerNode() { Shutdown(); }

void PeerManagerNode::Shutdown() {
  absl::MutexLock once(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) server_->SetServing(false);
  {
    absl::MutexLock lock(&loop_mu_);
    stopping_ = true;
  }
  if (store_ != nullptr) store_->Stop();
  if (loop_.joinable()) loop_.join();
  // Drain calls in flight first so that their changes are in the final save.
  if (server_ != nullptr) server_->Shutdown();
  if (store_ != nullptr && !known_peers_path_.empty()) {
    if (absl::Status s = store_->SaveIfDirty(clock_->Now()); !s.ok()) {
      spdlog::error("final save of known peers failed: {}", s.ToString());
    }
  }
}

}  // namespace datamgmt::peer_manager
