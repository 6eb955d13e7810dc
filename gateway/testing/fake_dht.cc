#include "gateway/testing/fake_dht.h"

#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/crypto/sha256.h"

namespace datamgmt::gateway {

absl::StatusOr<std::unique_ptr<FakeDht>> FakeDht::Start(int port) {
  std::unique_ptr<FakeDht> fake(new FakeDht());
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = absl::StrCat("127.0.0.1:", port),
       .shutdown_grace = absl::ZeroDuration()},
      {{fake.get(), dht::v1::DhtService::service_full_name()}});
  if (!server.ok()) return server.status();
  fake->server_ = *std::move(server);
  fake->server_->SetServing(true);
  return fake;
}

FakeDht::~FakeDht() { Stop(); }

void FakeDht::Stop() {
  if (server_ != nullptr) server_->Shutdown();
}

std::string FakeDht::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

void FakeDht::set_stats(const dht::v1::NetworkStats& stats) {
  absl::MutexLock lock(&mu_);
  stats_ = stats;
}

size_t FakeDht::stored() const {
  absl::MutexLock lock(&mu_);
  return data_.size();
}

Metadata FakeDht::last_metadata() const {
  absl::MutexLock lock(&mu_);
  return last_metadata_;
}

void FakeDht::Remember(grpc::CallbackServerContext* ctx) {
  Metadata metadata;
  for (const auto& [key, value] : ctx->client_metadata()) {
    metadata.emplace_back(std::string(key.data(), key.size()),
                          std::string(value.data(), value.size()));
  }
  absl::MutexLock lock(&mu_);
  last_metadata_ = std::move(metadata);
}

grpc::ServerUnaryReactor* FakeDht::PutData(
    grpc::CallbackServerContext* ctx, const dht::v1::PutDataRequest* request,
    dht::v1::PutDataResponse* response) {
  Remember(ctx);
  auto* reactor = ctx->DefaultReactor();
  if (request->data().empty()) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "data is empty"));
    return reactor;
  }
  ctx->AddInitialMetadata("x-http-code", "201");
  const std::string hash = crypto::Sha256Hex(request->data());
  {
    absl::MutexLock lock(&mu_);
    data_[hash] = request->data();
  }
  response->set_hash(hash);
  response->set_size(request->data().size());
  response->set_replicas(1);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakeDht::GetData(
    grpc::CallbackServerContext* ctx, const dht::v1::GetDataRequest* request,
    dht::v1::GetDataResponse* response) {
  Remember(ctx);
  auto* reactor = ctx->DefaultReactor();
  const std::string& hash = request->hash();
  bool valid = hash.size() == 64;
  for (char c : hash) valid = valid && std::isxdigit(static_cast<unsigned char>(c));
  if (!valid) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "hash must be 64 hex digits"));
    return reactor;
  }
  const std::string key = absl::AsciiStrToLower(hash);
  ctx->AddInitialMetadata("etag", absl::StrCat("\"", key, "\""));
  absl::MutexLock lock(&mu_);
  auto it = data_.find(key);
  if (it == data_.end()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "Data not found"));
    return reactor;
  }
  response->set_data(it->second);
  response->set_hash(key);
  response->set_size(it->second.size());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakeDht::GetNetworkStats(
    grpc::CallbackServerContext* ctx,
    const dht::v1::GetNetworkStatsRequest* request,
    dht::v1::NetworkStats* response) {
  Remember(ctx);
  {
    absl::MutexLock lock(&mu_);
    *response = stats_;
  }
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

namespace {

// Answers only when the client gives up (deadline) or the server stops.
class HeldReactor : public grpc::ServerUnaryReactor {
 public:
  void OnCancel() override { Finish(grpc::Status::CANCELLED); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerUnaryReactor* FakeDht::GetDhtStats(
    grpc::CallbackServerContext* ctx,
    const dht::v1::GetDhtStatsRequest* request, dht::v1::DhtStats* response) {
  Remember(ctx);
  if (hold_dht_stats_) return new HeldReactor();
  response->set_node_id(std::string(64, 'a'));
  response->set_stored_bytes(1ull << 40);
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace datamgmt::gateway
