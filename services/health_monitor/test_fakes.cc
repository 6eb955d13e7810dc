#include "services/health_monitor/test_fakes.h"

#include <algorithm>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace datamgmt::health {
namespace {

// A reactor finished by the caller's cancellation (deadline or shutdown).
class HangingReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit HangingReactor(absl::AnyInvocable<void()> on_end)
      : on_end_(std::move(on_end)) {}
  void OnCancel() override {
    on_end_();
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }
  void OnDone() override { delete this; }

 private:
  absl::AnyInvocable<void()> on_end_;
};

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* ctx,
                               grpc::Status s = grpc::Status::OK) {
  grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
  r->Finish(s);
  return r;
}

}  // namespace

absl::StatusOr<std::unique_ptr<FakePeerManager>> FakePeerManager::Start() {
  std::unique_ptr<FakePeerManager> pm(new FakePeerManager());
  auto server = GrpcServer::Start(
      {.listen_address = "127.0.0.1:0", .shutdown_grace = absl::Seconds(1)},
      {{pm.get(), peers::v1::PeerManager::service_full_name()}});
  if (!server.ok()) return server.status();
  pm->server_ = *std::move(server);
  pm->server_->SetServing(true);
  return pm;
}

FakePeerManager::~FakePeerManager() { server_->Shutdown(); }

std::string FakePeerManager::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

void FakePeerManager::SetPeers(std::vector<peers::v1::Peer> peers) {
  absl::MutexLock lock(&mu_);
  peers_ = std::move(peers);
}

peers::v1::Peer FakePeerManager::MakePeer(const std::string& address,
                                          double last_seen) {
  peers::v1::Peer p;
  p.set_address(address);
  p.set_last_seen(last_seen);
  return p;
}

void FakePeerManager::SetListedPeers(std::vector<peers::v1::Peer> peers) {
  absl::MutexLock lock(&mu_);
  listed_ = std::move(peers);
}

std::vector<peers::v1::Peer> FakePeerManager::peers() const {
  absl::MutexLock lock(&mu_);
  return peers_;
}
int FakePeerManager::list_calls() const {
  absl::MutexLock lock(&mu_);
  return list_calls_;
}
std::vector<peers::v1::RecordContactsRequest> FakePeerManager::record_requests()
    const {
  absl::MutexLock lock(&mu_);
  return records_;
}
std::vector<peers::v1::RemovePeerRequest> FakePeerManager::remove_requests()
    const {
  absl::MutexLock lock(&mu_);
  return removes_;
}

grpc::ServerUnaryReactor* FakePeerManager::ListPeers(
    grpc::CallbackServerContext* ctx, const peers::v1::ListPeersRequest*,
    peers::v1::ListPeersResponse* response) {
  absl::MutexLock lock(&mu_);
  ++list_calls_;
  for (const peers::v1::Peer& p : listed_.has_value() ? *listed_ : peers_) {
    *response->add_peers() = p;
  }
  return Done(ctx);
}

grpc::ServerUnaryReactor* FakePeerManager::RecordContacts(
    grpc::CallbackServerContext* ctx,
    const peers::v1::RecordContactsRequest* request,
    peers::v1::RecordContactsResponse* response) {
  absl::MutexLock lock(&mu_);
  records_.push_back(*request);
  response->set_applied(request->results_size());
  return Done(ctx);
}

grpc::ServerUnaryReactor* FakePeerManager::RemovePeer(
    grpc::CallbackServerContext* ctx,
    const peers::v1::RemovePeerRequest* request, google::protobuf::Empty*) {
  absl::MutexLock lock(&mu_);
  removes_.push_back(*request);
  auto it = std::find_if(peers_.begin(), peers_.end(), [&](const auto& p) {
    return p.address() == request->address();
  });
  if (it == peers_.end()) {
    return Done(ctx, grpc::Status(grpc::StatusCode::NOT_FOUND, "no peer"));
  }
  if (request->last_seen_before() != 0 &&
      !(it->last_seen() < request->last_seen_before())) {
    return Done(
        ctx, grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "seen since"));
  }
  peers_.erase(it);
  return Done(ctx);
}

absl::StatusOr<std::unique_ptr<FakePeerDialer>> FakePeerDialer::Start() {
  std::unique_ptr<FakePeerDialer> d(new FakePeerDialer());
  auto server = GrpcServer::Start(
      {.listen_address = "127.0.0.1:0", .shutdown_grace = absl::Seconds(1)},
      {{d.get(), dht::v1::PeerDialer::service_full_name()}});
  if (!server.ok()) return server.status();
  d->server_ = *std::move(server);
  d->server_->SetServing(true);
  return d;
}

FakePeerDialer::~FakePeerDialer() { server_->Shutdown(); }

std::string FakePeerDialer::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

void FakePeerDialer::SetBehavior(const std::string& address,
                                 PingBehavior behavior) {
  absl::MutexLock lock(&mu_);
  behavior_[address] = behavior;
}
std::vector<std::string> FakePeerDialer::pinged() const {
  absl::MutexLock lock(&mu_);
  return pinged_;
}
int FakePeerDialer::max_in_flight() const {
  absl::MutexLock lock(&mu_);
  return max_in_flight_;
}
void FakePeerDialer::CallEnded() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

grpc::ServerUnaryReactor* FakePeerDialer::PingPeer(
    grpc::CallbackServerContext* ctx, const dht::v1::PingPeerRequest* request,
    dht::v1::PingPeerResponse* response) {
  PingBehavior behavior = PingBehavior::kFailure;
  {
    absl::MutexLock lock(&mu_);
    pinged_.push_back(request->address());
    max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    auto it = behavior_.find(request->address());
    if (it != behavior_.end()) behavior = it->second;
  }
  switch (behavior) {
    case PingBehavior::kHang:
      return new HangingReactor([this] { CallEnded(); });
    case PingBehavior::kSuccess:
      response->set_success(true);
      response->set_node_id(std::string(64, 'a'));
      response->set_advertised_address(request->address());
      response->mutable_rtt()->set_nanos(7'000'000);
      break;
    case PingBehavior::kFailure:
      response->mutable_error()->set_code(grpc::StatusCode::UNAVAILABLE);
      response->mutable_error()->set_message("connection refused");
      break;
    case PingBehavior::kSelf:
      response->set_is_self(true);
      response->mutable_error()->set_code(
          grpc::StatusCode::FAILED_PRECONDITION);
      break;
  }
  CallEnded();
  return Done(ctx);
}

}  // namespace datamgmt::health
