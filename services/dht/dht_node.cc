#include "services/dht/dht_node.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/net/peer_address.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "datamgmt/p2p/v1/p2p.grpc.pb.h"
#include "services/dht/node_identity.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {
namespace {

// `advertise` with a port of 0 replaced by `port`.
std::string WithPort(const std::string& advertise, int port) {
  const size_t colon = advertise.rfind(':');
  if (colon == std::string::npos || advertise.substr(colon + 1) != "0") {
    return advertise;
  }
  return absl::StrCat(advertise.substr(0, colon + 1), port);
}

}  // namespace

absl::Status DhtNodeOptions::Validate() const {
  if (data_dir.empty())
    return absl::InvalidArgumentError("data_dir is required");
  if (p2p_listen_address.empty() || api_listen_address.empty()) {
    return absl::InvalidArgumentError("listen addresses are required");
  }
  if (absl::Status s = net::ValidatePeerAddress(WithPort(advertise_address, 1));
      !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("advertise_address: ", s.message()));
  }
  if (!peer_manager_address.empty()) {
    const size_t colon = peer_manager_address.rfind(':');
    if (colon == std::string::npos || colon == 0 ||
        colon + 1 == peer_manager_address.size()) {
      return absl::InvalidArgumentError(
          "peer_manager_address must be host:port");
    }
  }
  if (peer_manager_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("peer_manager_timeout must be positive");
  }
  if (p2p_max_receive_message_bytes <
      static_cast<int64_t>(p2p.max_value_bytes + kP2pMessageOverheadBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "p2p_max_receive_message_bytes must be at least the largest value (",
        p2p.max_value_bytes, ") + ", kP2pMessageOverheadBytes, ", got ",
        p2p_max_receive_message_bytes));
  }
  if (p2p_max_concurrent_streams < 1) {
    return absl::InvalidArgumentError(
        "p2p_max_concurrent_streams must be at least 1");
  }
  if (max_peer_channels < 1) {
    return absl::InvalidArgumentError("max_peer_channels must be at least 1");
  }
  if (handover_concurrency < 1) {
    return absl::InvalidArgumentError(
        "handover_concurrency must be at least 1");
  }
  if (shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("shutdown_grace must not be negative");
  }
  for (const absl::Status& s :
       {table.Validate(), lookup.Validate(), client.Validate(), p2p.Validate(),
        data.Validate(), reporter.Validate(), maintenance.Validate(),
        guard.Validate(), standings.Validate()}) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DhtNode>> DhtNode::Start(
    DhtNodeOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<DhtNode> node(new DhtNode());
  if (absl::Status s = node->Wire(options); !s.ok()) {
    node->Shutdown();
    return s;
  }
  {
    absl::MutexLock lock(&node->identity_mu_);
    node->p2p_server_->SetServing(true);
  }
  node->api_server_->SetServing(true);
  if (options.run_maintenance_thread) {
    node->loop_ = std::thread([n = node.get()] { n->MaintenanceLoop(); });
  }
  return node;
}

absl::StatusOr<TlsIdentity> DhtNode::IdentityOf(const crypto::NodeKey& key) {
  absl::StatusOr<std::string> cert = key.SelfSignedCertificatePem(absl::Now());
  if (!cert.ok()) return cert.status();
  return TlsIdentity{.private_key_pem = key.PrivateKeyPem(),
                     .certificate_pem = *std::move(cert)};
}

absl::StatusOr<std::unique_ptr<GrpcServer>> DhtNode::StartP2pServer(
    const std::string& listen_address, const TlsIdentity& identity) {
  return GrpcServer::Start(
      {.listen_address = listen_address,
       .max_receive_message_bytes = options_.p2p_max_receive_message_bytes,
       .max_concurrent_streams = options_.p2p_max_concurrent_streams,
       .shutdown_grace = options_.shutdown_grace,
       .credentials =
           insecure_ ? nullptr : PeerServerCredentials(identity)},
      {{p2p_service_.get(),
        std::string(p2p::v1::PeerProtocol::service_full_name())}});
}

absl::Status DhtNode::Wire(const DhtNodeOptions& options) {
  options_ = options;
  insecure_ = options.p2p_insecure;
  clock_ = options.clock != nullptr ? options.clock : &RealClock();
  start_time_ = clock_->Now();
  std::error_code error;
  std::filesystem::create_directories(options.data_dir, error);
  if (error) {
    return absl::InternalError(absl::StrCat("cannot create ", options.data_dir,
                                            ": ", error.message()));
  }
  absl::StatusOr<LoadedNodeKey> loaded = LoadOrCreateNodeKey(options.data_dir);
  if (!loaded.ok()) return loaded.status();
  const kademlia::NodeId id = NodeIdOf(loaded->key);
  if (loaded->replaced_legacy_id.has_value()) {
    spdlog::warn(
        "node identity is now key-bound: node ID {} (from the new key {}/{}) "
        "replaces the old random ID {} (kept in {}/{}); peers learn the new "
        "ID at the next contact",
        id.ToHex(), options.data_dir, kNodeKeyFileName,
        *loaded->replaced_legacy_id, options.data_dir,
        kReplacedNodeIdFileName);
  } else if (loaded->created) {
    spdlog::info("created node key {}/{}: node ID {}", options.data_dir,
                 kNodeKeyFileName, id.ToHex());
  }
  if (loaded->permissions_fixed) {
    spdlog::warn("{}/{} was readable by others; made it owner-only (0600)",
                 options.data_dir, kNodeKeyFileName);
  }
  absl::StatusOr<TlsIdentity> identity = IdentityOf(loaded->key);
  if (!identity.ok()) return identity.status();
  {
    absl::MutexLock lock(&identity_mu_);
    key_ = loaded->key;
  }
  absl::StatusOr<std::unique_ptr<ContentStore>> store =
      ContentStore::Open({.path = options.data_dir + "/content"});
  if (!store.ok()) return store.status();
  store_ = *std::move(store);
  // A placeholder until the P2P port is bound; nothing is sent before.
  self_ = std::make_unique<SelfContact>(id, "127.0.0.1:1");
  absl::StatusOr<std::unique_ptr<Routing>> routing =
      Routing::Create(id, options.table, *clock_);
  if (!routing.ok()) return routing.status();
  routing_ = *std::move(routing);
  absl::StatusOr<std::unique_ptr<PeerGuard>> guard =
      PeerGuard::Create(*clock_, options.guard);
  if (!guard.ok()) return guard.status();
  guard_ = *std::move(guard);
  guard_->AddBanListener([this](const BanNotice& ban) { OnBan(ban); });
  if (insecure_) {
    channels_ = std::make_unique<ChannelCache>(
        ChannelCacheOptions{.max_channels = options.max_peer_channels});
  } else {
    authenticator_ = std::make_unique<PeerAuthenticator>(
        PeerAuthenticatorOptions{});
    channels_ = std::make_unique<ChannelCache>(ChannelCacheOptions{
        .max_channels = options.max_peer_channels,
        .credentials = PeerChannelCredentials(*identity),
        .ssl_target_name_override = crypto::kCertificateDnsName});
  }

  ContactObserver* observer = options.observer;
  if (!options.peer_manager_address.empty()) {
    peer_manager_ = peers::v1::PeerManager::NewStub(grpc::CreateChannel(
        options.peer_manager_address, grpc::InsecureChannelCredentials()));
    if (observer == nullptr) {
      PeerManagerReporterOptions reporter_options = options.reporter;
      reporter_options.rpc_timeout = options.peer_manager_timeout;
      absl::StatusOr<std::unique_ptr<PeerManagerReporter>> reporter =
          PeerManagerReporter::Create(*peer_manager_, *clock_,
                                      reporter_options);
      if (!reporter.ok()) return reporter.status();
      reporter_ = *std::move(reporter);
      observer = reporter_.get();
    }
    StandingReporterOptions standings_options = options.standings;
    standings_options.rpc_timeout = options.peer_manager_timeout;
    absl::StatusOr<std::unique_ptr<StandingReporter>> standings =
        StandingReporter::Create(*peer_manager_, *guard_, *clock_,
                                 standings_options);
    if (!standings.ok()) return standings.status();
    standings_ = *std::move(standings);
  }
  GrpcPeerClientOptions client_options = options.client;
  client_options.observer = observer;
  client_options.authenticator = authenticator_.get();
  client_options.on_moved = [this](const kademlia::NodeId& expected,
                                   const kademlia::Contact& responder) {
    learner_->OnMoved(expected, responder);
  };
  client_options.guard = guard_.get();
  absl::StatusOr<std::unique_ptr<GrpcPeerClient>> client =
      GrpcPeerClient::Create(*self_, *channels_, traffic_, *clock_,
                             client_options);
  if (!client.ok()) return client.status();
  client_ = *std::move(client);
  learner_ = std::make_unique<ContactLearner>(*routing_, *client_);
  absl::StatusOr<std::unique_ptr<LookupRunner>> runner =
      LookupRunner::Create(*routing_, *learner_, *client_, options.lookup);
  if (!runner.ok()) return runner.status();
  runner_ = *std::move(runner);

  P2pServiceOptions p2p_options = options.p2p;
  p2p_options.peer_manager_timeout = options.peer_manager_timeout;
  absl::StatusOr<std::unique_ptr<P2pService>> p2p =
      P2pService::Create({.self = self_.get(),
                          .routing = routing_.get(),
                          .learner = learner_.get(),
                          .store = store_.get(),
                          .stats = &traffic_,
                          .clock = clock_,
                          .peer_manager = peer_manager_.get(),
                          .observer = observer,
                          .authenticator = authenticator_.get(),
                          .guard = guard_.get()},
                         p2p_options);
  if (!p2p.ok()) return p2p.status();
  p2p_service_ = *std::move(p2p);
  absl::StatusOr<std::unique_ptr<DataOps>> data =
      DataOps::Create(*store_, *runner_, *client_, options.data);
  if (!data.ok()) return data.status();
  data_ = *std::move(data);
  absl::StatusOr<std::unique_ptr<DhtApiService>> api = DhtApiService::Create(
      {.data = data_.get(),
       .store = store_.get(),
       .routing = routing_.get(),
       .self = self_.get(),
       .traffic = &traffic_,
       .clock = clock_,
       .peer_manager = peer_manager_.get(),
       .start_time = start_time_,
       .rotator = this,
       .p2p_insecure = insecure_,
       .guard = guard_.get()},
      {.peer_manager_timeout = options.peer_manager_timeout,
       .peer_counts_max_age = options.peer_counts_max_age});
  if (!api.ok()) return api.status();
  api_service_ = *std::move(api);
  absl::StatusOr<std::unique_ptr<PeerDialerService>> dialer =
      PeerDialerService::Create({.self = self_.get(),
                                 .client = client_.get(),
                                 .learner = learner_.get()});
  if (!dialer.ok()) return dialer.status();
  dialer_service_ = *std::move(dialer);
  MaintenanceOptions maintenance_options = options.maintenance;
  maintenance_options.peer_manager_timeout = options.peer_manager_timeout;
  absl::StatusOr<std::unique_ptr<Maintenance>> maintenance =
      Maintenance::Create({.routing = routing_.get(),
                           .runner = runner_.get(),
                           .data = data_.get(),
                           .store = store_.get(),
                           .client = client_.get(),
                           .learner = learner_.get(),
                           .reporter = reporter_.get(),
                           .peer_manager = peer_manager_.get()},
                          maintenance_options, clock_->Now());
  if (!maintenance.ok()) return maintenance.status();
  maintenance_ = *std::move(maintenance);

  absl::StatusOr<std::unique_ptr<GrpcServer>> p2p_server =
      StartP2pServer(options.p2p_listen_address, *identity);
  if (!p2p_server.ok()) return p2p_server.status();
  p2p_port_ = (*p2p_server)->port();
  {
    absl::MutexLock lock(&identity_mu_);
    p2p_server_ = *std::move(p2p_server);
  }
  if (absl::Status s = self_->SetAddress(
          WithPort(options.advertise_address, p2p_port_));
      !s.ok()) {
    return s;
  }
  if (insecure_) {
    spdlog::warn(
        "P2P is PLAINTEXT (--p2p_insecure): node IDs are not checked against "
        "keys and traffic is readable on the network; for local debugging "
        "only. TLS nodes will not talk to this node.");
  }
  absl::StatusOr<std::unique_ptr<GrpcServer>> api_server = GrpcServer::Start(
      {.listen_address = options.api_listen_address,
       .shutdown_grace = options.shutdown_grace},
      {{api_service_.get(),
        std::string(dht::v1::DhtService::service_full_name())},
       {dialer_service_.get(),
        std::string(dht::v1::PeerDialer::service_full_name())}});
  if (!api_server.ok()) return api_server.status();
  api_server_ = *std::move(api_server);
  return absl::OkStatus();
}

void DhtNode::MaintenanceLoop() {
  absl::MutexLock lock(&loop_mu_);
  absl::Time next_insecure_warning = clock_->Now() + absl::Hours(1);
  while (!stopping_) {
    loop_mu_.Unlock();
    guard_->ExpireBans();
    const absl::Time now = clock_->Now();
    absl::Time next = maintenance_->Tick(now);
    if (standings_ != nullptr) next = std::min(next, standings_->Flush(now));
    if (insecure_ && now >= next_insecure_warning) {
      spdlog::warn("P2P is still PLAINTEXT (--p2p_insecure): local debugging "
                   "only");
      next_insecure_warning = now + absl::Hours(1);
    }
    loop_mu_.Lock();
    loop_mu_.AwaitWithTimeout(absl::Condition(&stopping_),
                              next - clock_->Now());
  }
}

void DhtNode::OnBan(const BanNotice& ban) {
  if (ban.id.has_value()) {
    routing_->Remove(*ban.id);
  } else {
    for (const kademlia::Contact& c : routing_->Contacts()) {
      absl::StatusOr<net::PeerAddress> address =
          net::ParsePeerAddress(c.address);
      if (address.ok() && guard_->SourceOfHost(address->host) == ban.source) {
        routing_->Remove(c.id);
      }
    }
  }
  if (standings_ != nullptr) standings_->Changed();
}

DhtNode::~DhtNode() { Shutdown(); }

void DhtNode::Shutdown() {
  absl::MutexLock once(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  {
    absl::MutexLock lock(&identity_mu_);
    if (p2p_server_ != nullptr) p2p_server_->SetServing(false);
  }
  if (api_server_ != nullptr) api_server_->SetServing(false);
  // A rotation in progress finishes (its hand-over stops early) before
  // anything it uses goes away.
  std::thread rotation;
  {
    absl::MutexLock lock(&rotation_mu_);
    rotation_closed_ = true;
    rotation = std::move(rotation_thread_);
  }
  stop_handover_ = true;
  if (rotation.joinable()) rotation.join();
  {
    absl::MutexLock lock(&loop_mu_);
    stopping_ = true;
  }
  if (loop_.joinable()) loop_.join();
  // Both servers drain at once, so the whole stop takes one grace period.
  std::thread api_stop([this] {
    if (api_server_ != nullptr) api_server_->Shutdown();
  });
  {
    absl::MutexLock lock(&identity_mu_);
    if (p2p_server_ != nullptr) p2p_server_->Shutdown();
  }
  api_stop.join();
  client_.reset();  // cancels outbound calls and waits for completions
  if (reporter_ != nullptr) {
    reporter_->Flush(absl::InfiniteFuture());
    reporter_->WaitIdle();
  }
  // Nothing can ban anyone any more (servers and client are gone).
  standings_.reset();
  maintenance_.reset();
  dialer_service_.reset();
  api_service_.reset();
  data_.reset();
  p2p_service_.reset();
  runner_.reset();
  learner_.reset();
  reporter_.reset();
  guard_.reset();
  routing_.reset();
  store_.reset();
}

}  // namespace datamgmt::dht
