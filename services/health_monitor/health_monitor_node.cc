#include "services/health_monitor/health_monitor_node.h"

#include <utility>

#include "datamgmt/health/v1/health_monitor.grpc.pb.h"

namespace datamgmt::health {

absl::Status HealthMonitorNodeOptions::Validate() const {
  if (listen_address.empty()) {
    return absl::InvalidArgumentError("listen_address is required");
  }
  if (peer_manager_address.empty() || dht_api_address.empty()) {
    return absl::InvalidArgumentError(
        "peer_manager_address and dht_api_address are required");
  }
  if (interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("interval must be positive");
  }
  if (shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("shutdown_grace must not be negative");
  }
  return checker.Validate();
}

HealthMonitorNode::HealthMonitorNode(HealthMonitorNodeOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : RealClock()) {}

absl::StatusOr<std::unique_ptr<HealthMonitorNode>> HealthMonitorNode::Start(
    HealthMonitorNodeOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<HealthMonitorNode> node(
      new HealthMonitorNode(std::move(options)));
  const HealthMonitorNodeOptions& o = node->options_;
  node->peer_manager_ = peers::v1::PeerManager::NewStub(grpc::CreateChannel(
      o.peer_manager_address, grpc::InsecureChannelCredentials()));
  node->dialer_ = dht::v1::PeerDialer::NewStub(grpc::CreateChannel(
      o.dht_api_address, grpc::InsecureChannelCredentials()));
  node->checker_ = std::make_unique<HealthChecker>(
      *node->peer_manager_, *node->dialer_, node->clock_, o.checker);
  node->rounds_ = std::make_unique<RoundCoordinator>(*node->checker_);
  node->service_ = std::make_unique<HealthMonitorService>(
      *node->rounds_,
      MonitorConfig{.interval = o.interval, .round = o.checker.round});
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = o.listen_address, .shutdown_grace = o.shutdown_grace},
      {{node->service_.get(),
        std::string(v1::HealthMonitor::service_full_name())}});
  if (!server.ok()) return server.status();
  node->server_ = *std::move(server);
  {
    absl::MutexLock lock(&node->mu_);
    node->next_run_ = node->clock_.Now() + o.interval;
    node->rounds_->SetNextRunTime(node->next_run_);
  }
  node->server_->SetServing(true);
  if (o.run_driver_thread) {
    node->driver_ = std::thread([n = node.get()] { n->DriverLoop(); });
  }
  return node;
}

absl::Time HealthMonitorNode::Tick() {
  const absl::Time now = clock_.Now();
  absl::Time next;
  bool due = false;
  {
    absl::MutexLock lock(&mu_);
    if (now >= next_run_) {
      due = true;
      next_run_ += options_.interval;
      if (next_run_ <= now) next_run_ = now + options_.interval;  // behind
    }
    next = next_run_;
  }
  if (due) {
    rounds_->SetNextRunTime(next);
    rounds_->Run(/*manual=*/false, nullptr);  // skipped if one is running
  }
  return next;
}

void HealthMonitorNode::DriverLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    mu_.Unlock();
    const absl::Time next = Tick();
    mu_.Lock();
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), next - clock_.Now());
  }
}

HealthMonitorNode::~HealthMonitorNode() { Shutdown(); }

void HealthMonitorNode::Shutdown() {
  absl::MutexLock once(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) server_->SetServing(false);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (driver_.joinable()) driver_.join();
  if (server_ != nullptr) server_->Shutdown();
  rounds_.reset();   // waits for the round in flight (deadline-bounded)
  checker_.reset();  // and for its last completion
  service_.reset();
}

}  // namespace datamgmt::health
