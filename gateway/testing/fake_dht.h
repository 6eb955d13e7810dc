// An in-memory datamgmt.dht.v1.DhtService on a real gRPC server, for the
// gateway's tests: it answers the way dht-service does (hashes, "Data not
// found", x-http-code 201, ETag) without a network behind it.
//
//   absl::StatusOr<std::unique_ptr<FakeDht>> dht = FakeDht::Start();
//   backends({.addresses = {{"datamgmt.dht.v1.DhtService", (*dht)->address()}}});
//
// GetDhtStats never answers while `hold_dht_stats` is set (deadline tests);
// held calls are cancelled when the fake shuts down. Thread-safe.
#ifndef DATAMGMT_GATEWAY_TESTING_FAKE_DHT_H_
#define DATAMGMT_GATEWAY_TESTING_FAKE_DHT_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc/server.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "gateway/backend/backends.h"

namespace datamgmt::gateway {

class FakeDht final : public dht::v1::DhtService::CallbackService {
 public:
  // Listens on 127.0.0.1:`port` (0: a free port).
  static absl::StatusOr<std::unique_ptr<FakeDht>> Start(int port = 0);
  ~FakeDht() override;

  std::string address() const;
  int port() const { return server_->port(); }
  void set_stats(const dht::v1::NetworkStats& stats);
  void set_hold_dht_stats(bool hold) { hold_dht_stats_ = hold; }
  // Keys stored so far.
  size_t stored() const;
  // Client metadata of the last call (lowercase keys).
  Metadata last_metadata() const;
  // Stops serving (the port refuses connections afterwards).
  void Stop();

  grpc::ServerUnaryReactor* PutData(grpc::CallbackServerContext* ctx,
                                    const dht::v1::PutDataRequest* request,
                                    dht::v1::PutDataResponse* response) override;
  grpc::ServerUnaryReactor* GetData(grpc::CallbackServerContext* ctx,
                                    const dht::v1::GetDataRequest* request,
                                    dht::v1::GetDataResponse* response) override;
  grpc::ServerUnaryReactor* GetNetworkStats(
      grpc::CallbackServerContext* ctx,
      const dht::v1::GetNetworkStatsRequest* request,
      dht::v1::NetworkStats* response) override;
  grpc::ServerUnaryReactor* GetDhtStats(
      grpc::CallbackServerContext* ctx,
      const dht::v1::GetDhtStatsRequest* request,
      dht::v1::DhtStats* response) override;

 private:
  FakeDht() = default;
  void Remember(grpc::CallbackServerContext* ctx);

  std::unique_ptr<GrpcServer> server_;
  std::atomic<bool> hold_dht_stats_{false};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> data_ ABSL_GUARDED_BY(mu_);
  dht::v1::NetworkStats stats_ ABSL_GUARDED_BY(mu_);
  Metadata last_metadata_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::gateway

#endif  // DATAMGMT_GATEWAY_TESTING_FAKE_DHT_H_
