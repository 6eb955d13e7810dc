#include "services/peer_manager/fake_peer_dialer.h"

#include <utility>

namespace datamgmt::peer_manager {
namespace {

template <typename Response>
void Fill(const FakeAnswer& answer, Response* resp) {
  resp->set_is_self(answer.is_self);
  resp->set_success(answer.success && !answer.is_self);
  if (answer.is_self) {
    resp->mutable_error()->set_code(9);  // FAILED_PRECONDITION
    resp->set_node_id(answer.node_id);
  } else if (answer.success) {
    resp->set_node_id(answer.node_id);
    resp->mutable_rtt()->set_nanos(3'000'000);
  } else {
    resp->mutable_error()->set_code(14);  // UNAVAILABLE
    resp->mutable_error()->set_message("fake: unreachable");
  }
}

}  // namespace

void FakePeerDialer::SetAnswer(const std::string& address, FakeAnswer answer) {
  absl::MutexLock lock(&mu_);
  answers_[address] = std::move(answer);
}

FakeAnswer FakePeerDialer::AnswerFor(const std::string& address) const {
  auto it = answers_.find(address);
  if (it != answers_.end()) return it->second;
  return FakeAnswer{.success = false};
}

int FakePeerDialer::pings(const std::string& address) const {
  absl::MutexLock lock(&mu_);
  auto it = pings_.find(address);
  return it == pings_.end() ? 0 : it->second;
}

int FakePeerDialer::exchanges(const std::string& address) const {
  absl::MutexLock lock(&mu_);
  auto it = exchanges_.find(address);
  return it == exchanges_.end() ? 0 : it->second;
}

int FakePeerDialer::total_pings() const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [address, count] : pings_) n += count;
  return n;
}

int FakePeerDialer::total_exchanges() const {
  absl::MutexLock lock(&mu_);
  int n = 0;
  for (const auto& [address, count] : exchanges_) n += count;
  return n;
}

std::vector<std::vector<std::string>> FakePeerDialer::shared(
    const std::string& address) const {
  absl::MutexLock lock(&mu_);
  auto it = shared_.find(address);
  return it == shared_.end() ? std::vector<std::vector<std::string>>{}
                             : it->second;
}

grpc::ServerUnaryReactor* FakePeerDialer::PingPeer(
    grpc::CallbackServerContext* ctx, const dht::v1::PingPeerRequest* req,
    dht::v1::PingPeerResponse* resp) {
  {
    absl::MutexLock lock(&mu_);
    ++pings_[req->address()];
    Fill(AnswerFor(req->address()), resp);
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakePeerDialer::ExchangePeers(
    grpc::CallbackServerContext* ctx, const dht::v1::ExchangePeersRequest* req,
    dht::v1::ExchangePeersResponse* resp) {
  {
    absl::MutexLock lock(&mu_);
    ++exchanges_[req->address()];
    std::vector<std::string> share;
    for (const auto& hint : req->share()) share.push_back(hint.address());
    shared_[req->address()].push_back(std::move(share));
    const FakeAnswer answer = AnswerFor(req->address());
    Fill(answer, resp);
    if (answer.success && !answer.is_self) {
      for (const std::string& address : answer.received) {
        resp->add_received()->set_address(address);
      }
    }
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace datamgmt::peer_manager
