// dht-service's local API (datamgmt.dht.v1.DhtService) over the gRPC
// callback API: a thin adapter over DataOps, the node's counters and
// peer-manager's GetPeerStats. The contract (limits, codes, the exact
// "Data not found") is dht.proto's.
//
//   absl::StatusOr<std::unique_ptr<DhtApiService>> api = DhtApiService::Create(
//       {.data = ops.get(), .store = store.get(), .routing = routing.get(),
//        .self = &self, .traffic = &traffic, .clock = &RealClock(),
//        .peer_manager = pm_stub.get(), .start_time = RealClock().Now()},
//       {});
//   GrpcServer::Start({.listen_address = "127.0.0.1:9000"},
//                     {{api->get(), DhtService::service_full_name()}});
//
//  * PutData / PutDataStream: DataOps::Put; streams take 1..64 KiB chunks,
//    check total_size and expected_hash, and store nothing unless the whole
//    object arrived intact.
//  * GetData / GetDataStream: DataOps::Get; the stream sends 64 KiB chunks
//    and reports every error before its first message.
//  * GetNetworkStats: peer counts from peer-manager (UNAVAILABLE if it
//    cannot be reached within peer_manager_timeout), traffic from
//    TrafficStats, uptime from the Clock.
//  * GetDhtStats: local state only.
//  * RotateIdentity: IdentityRotator::RotateIdentity (DhtNode), answered
//    when the rotation is done; UNIMPLEMENTED without a rotator.
// No handler blocks on the network: lookups and peer-manager calls complete
// asynchronously and finish the call (reactors, owned_reactor.h); a
// cancelled call finishes at once.
//
// Thread-safe. Everything in DhtApiServiceDeps must outlive the server
// hosting the service and every lookup it started.
#ifndef DATAMGMT_SERVICES_DHT_DHT_API_SERVICE_H_
#define DATAMGMT_SERVICES_DHT_DHT_API_SERVICE_H_

#include <chrono>
#include <cstddef>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/kademlia/node_id.h"
#include "common/time/clock.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/dht/content_store.h"
#include "services/dht/data_ops.h"
#include "services/dht/identity_rotation.h"
#include "services/dht/peer_guard.h"
#include "services/dht/routing.h"
#include "services/dht/self_contact.h"
#include "services/dht/traffic_stats.h"

namespace datamgmt::dht {

// Largest chunk of a PutDataStream/GetDataStream message (dht.proto).
inline constexpr size_t kMaxStreamChunkBytes = 64 << 10;

struct DhtApiServiceOptions {
  // Deadline of GetPeerStats, capped by the caller's own deadline. Must be
  // positive. Default: 2 s.
  absl::Duration peer_manager_timeout = absl::Seconds(2);
  // GetNetworkStats reuses peer-manager's peer counts for this long instead
  // of asking it on every call (a dashboard polling /network/stats costs one
  // peer-manager call per period, not one per request). Zero: always ask.
  // Must not be negative. Default: 1 s.
  absl::Duration peer_counts_max_age = absl::Seconds(1);

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// What the service works with; none of it is owned.
struct DhtApiServiceDeps {
  DataOps* data = nullptr;                // required
  const ContentStore* store = nullptr;    // required (stats)
  const Routing* routing = nullptr;       // required (stats)
  const SelfContact* self = nullptr;      // required
  const TrafficStats* traffic = nullptr;  // required
  Clock* clock = nullptr;                 // required (uptime)
  // Optional: without it GetNetworkStats is UNAVAILABLE.
  peers::v1::PeerManager::StubInterface* peer_manager = nullptr;
  // When dht-service started (uptime, DhtStats.start_time).
  absl::Time start_time = absl::UnixEpoch();
  // Optional: without it RotateIdentity is UNIMPLEMENTED.
  IdentityRotator* rotator = nullptr;
  // DhtStats.p2p_insecure.
  bool p2p_insecure = false;
  // Optional: the abuse counters of DhtStats (zeros without it).
  const PeerGuard* guard = nullptr;
};

// Metadata keys the REST gateway maps to HTTP: grpc-gateway's "x-http-code"
// sets the response status, "etag" becomes the ETag header.
inline constexpr absl::string_view kHttpCodeMetadata = "x-http-code";
inline constexpr absl::string_view kEtagMetadata = "etag";

// The key named by a request's hash: 64 hex digits, either case. Returns
// InvalidArgument naming the problem otherwise.
absl::StatusOr<kademlia::NodeId> ParseHash(absl::string_view hash);

class DhtApiService final : public dht::v1::DhtService::CallbackService {
 public:
  // Returns InvalidArgument if a required dependency is missing or
  // `options` fail Validate().
  static absl::StatusOr<std::unique_ptr<DhtApiService>> Create(
      DhtApiServiceDeps deps, DhtApiServiceOptions options);

  grpc::ServerUnaryReactor* PutData(
      grpc::CallbackServerContext* ctx, const dht::v1::PutDataRequest* request,
      dht::v1::PutDataResponse* response) override;
  grpc::ServerUnaryReactor* GetData(
      grpc::CallbackServerContext* ctx, const dht::v1::GetDataRequest* request,
      dht::v1::GetDataResponse* response) override;
  grpc::ServerReadReactor<dht::v1::PutDataStreamRequest>* PutDataStream(
      grpc::CallbackServerContext* ctx,
      dht::v1::PutDataResponse* response) override;
  grpc::ServerWriteReactor<dht::v1::GetDataStreamResponse>* GetDataStream(
      grpc::CallbackServerContext* ctx,
      const dht::v1::GetDataStreamRequest* request) override;
  grpc::ServerUnaryReactor* GetNetworkStats(
      grpc::CallbackServerContext* ctx,
      const dht::v1::GetNetworkStatsRequest* request,
      dht::v1::NetworkStats* response) override;
  grpc::ServerUnaryReactor* GetDhtStats(
      grpc::CallbackServerContext* ctx,
      const dht::v1::GetDhtStatsRequest* request,
      dht::v1::DhtStats* response) override;
  grpc::ServerUnaryReactor* RotateIdentity(
      grpc::CallbackServerContext* ctx,
      const dht::v1::RotateIdentityRequest* request,
      dht::v1::RotateIdentityResponse* response) override;

 private:
  DhtApiService(DhtApiServiceDeps deps, DhtApiServiceOptions options)
      : deps_(deps), options_(options) {}

  struct PeerCounts {
    uint32_t total = 0;
    uint32_t healthy = 0;
  };
  // Writes the stats from `counts` and this process's own numbers.
  void FillNetworkStats(PeerCounts counts, dht::v1::NetworkStats* out) const;

  const DhtApiServiceDeps deps_;
  const DhtApiServiceOptions options_;
  mutable absl::Mutex counts_mu_;
  PeerCounts counts_ ABSL_GUARDED_BY(counts_mu_);
  absl::Time counts_at_ ABSL_GUARDED_BY(counts_mu_) = absl::InfinitePast();
};

// Fills a PutDataResponse from a completed put.
void FillPutResponse(const PutResult& result, dht::v1::PutDataResponse* out);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_DHT_API_SERVICE_H_
