#include "services/dht/dht_api_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status/grpc_status.h"
#include "services/dht/owned_reactor.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {

using kademlia::NodeId;

namespace {

using UnaryReactor = OwnedReactor<grpc::ServerUnaryReactor>;

// A unary reactor that owns nothing but its lifetime.
class AsyncUnary final : public UnaryReactor {};

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const absl::Duration since = t - absl::UnixEpoch();
  const int64_t seconds =
      absl::ToInt64Seconds(absl::Floor(since, absl::Seconds(1)));
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(since - absl::Seconds(seconds))));
}

}  // namespace

absl::Status DhtApiServiceOptions::Validate() const {
  if (peer_manager_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("peer_manager_timeout must be positive");
  }
  if (peer_counts_max_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "peer_counts_max_age must not be negative");
  }
  return absl::OkStatus();
}

absl::StatusOr<NodeId> ParseHash(absl::string_view hash) {
  absl::StatusOr<NodeId> key = NodeId::FromHex(hash);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("hash must be 64 hex digits: ", key.status().message()));
  }
  return key;
}

void FillPutResponse(const PutResult& result, dht::v1::PutDataResponse* out) {
  out->set_hash(result.key.ToHex());
  out->set_size(result.size);
  out->set_replicas(result.replicas);
}

absl::StatusOr<std::unique_ptr<DhtApiService>> DhtApiService::Create(
    DhtApiServiceDeps deps, DhtApiServiceOptions options) {
  if (deps.data == nullptr || deps.store == nullptr ||
      deps.routing == nullptr || deps.self == nullptr ||
      deps.traffic == nullptr || deps.clock == nullptr) {
    return absl::InvalidArgumentError(
        "DhtApiService needs data, store, routing, self, traffic and clock");
  }
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<DhtApiService>(new DhtApiService(deps, options));
}

grpc::ServerUnaryReactor* DhtApiService::PutData(
    grpc::CallbackServerContext* ctx, const dht::v1::PutDataRequest* request,
    dht::v1::PutDataResponse* response) {
  auto* reactor = new AsyncUnary();
  // For the REST gateway (grpc-gateway's convention): a stored object is a
  // created resource, 201.
  ctx->AddInitialMetadata(std::string(kHttpCodeMetadata), "201");
  reactor->Ref();
  deps_.data->Put(
      request->data(), [reactor, response](absl::StatusOr<PutResult> result) {
        reactor->FinishWith(result.status(),
                            [&] { FillPutResponse(*result, response); });
        reactor->Unref();
      });
  return reactor;
}

grpc::ServerUnaryReactor* DhtApiService::GetData(
    grpc::CallbackServerContext* ctx, const dht::v1::GetDataRequest* request,
    dht::v1::GetDataResponse* response) {
  auto* reactor = new AsyncUnary();
  absl::StatusOr<NodeId> key = ParseHash(request->hash());
  if (!key.ok()) {
    reactor->FinishWith(key.status());
    return reactor;
  }
  // Content-addressed: the hash is the object's strong entity tag.
  ctx->AddInitialMetadata(std::string(kEtagMetadata),
                          absl::StrCat("\"", key->ToHex(), "\""));
  reactor->Ref();
  deps_.data->Get(*key, [reactor, response, hash = key->ToHex()](
                            absl::StatusOr<std::string> value) {
    reactor->FinishWith(value.status(), [&] {
      response->set_size(value->size());
      response->set_hash(hash);
      response->set_data(*std::move(value));
    });
    reactor->Unref();
  });
  return reactor;
}

grpc::ServerUnaryReactor* DhtApiService::GetNetworkStats(
    grpc::CallbackServerContext* ctx,
    const dht::v1::GetNetworkStatsRequest* request,
    dht::v1::NetworkStats* response) {
  auto* reactor = new AsyncUnary();
  if (options_.peer_counts_max_age > absl::ZeroDuration()) {
    std::optional<PeerCounts> cached;
    {
      absl::MutexLock lock(&counts_mu_);
      if (deps_.clock->Now() - counts_at_ < options_.peer_counts_max_age) {
        cached = counts_;
      }
    }
    if (cached.has_value()) {
      FillNetworkStats(*cached, response);
      reactor->FinishWith(absl::OkStatus());
      return reactor;
    }
  }
  if (deps_.peer_manager == nullptr) {
    reactor->FinishWith(
        absl::UnavailableError("no peer-manager configured for peer counts"));
    return reactor;
  }
  struct Call {
    grpc::ClientContext ctx;
    peers::v1::GetPeerStatsRequest request;
    peers::v1::PeerStats response;
  };
  auto call = std::make_shared<Call>();
  call->ctx.set_deadline(std::min(
      ctx->deadline(),
      absl::ToChronoTime(absl::Now() + options_.peer_manager_timeout)));
  reactor->Ref();
  deps_.peer_manager->async()->GetPeerStats(
      &call->ctx, &call->request, &call->response,
      [this, call, reactor, response](grpc::Status status) {
        absl::Status result = absl::OkStatus();
        if (!status.ok()) {
          result = absl::UnavailableError(absl::StrCat(
              "peer-manager unavailable: ", FromGrpcStatus(status).ToString()));
        }
        reactor->FinishWith(result, [&] {
          const PeerCounts counts{.total = call->response.total_peers(),
                                  .healthy = call->response.healthy_peers()};
          {
            absl::MutexLock lock(&counts_mu_);
            counts_ = counts;
            counts_at_ = deps_.clock->Now();
          }
          FillNetworkStats(counts, response);
        });
        reactor->Unref();
      });
  return reactor;
}

void DhtApiService::FillNetworkStats(PeerCounts counts,
                                     dht::v1::NetworkStats* out) const {
  const TrafficSnapshot traffic = deps_.traffic->Snapshot();
  out->set_total_peers(counts.total);
  out->set_healthy_peers(counts.healthy);
  out->set_data_sent(traffic.bytes_sent);
  out->set_data_received(traffic.bytes_received);
  const absl::Duration up = deps_.clock->Now() - deps_.start_time;
  out->set_uptime(
      static_cast<uint64_t>(std::max<int64_t>(0, absl::ToInt64Seconds(up))));
}

grpc::ServerUnaryReactor* DhtApiService::GetDhtStats(
    grpc::CallbackServerContext* ctx,
    const dht::v1::GetDhtStatsRequest* request, dht::v1::DhtStats* response) {
  const kademlia::Contact self = deps_.self->Get();
  response->set_node_id(self.id.ToHex());
  response->set_advertised_address(self.address);
  SetTimestamp(deps_.start_time, response->mutable_start_time());
  const TrafficSnapshot traffic = deps_.traffic->Snapshot();
  response->set_bytes_sent(traffic.bytes_sent);
  response->set_bytes_received(traffic.bytes_received);
  for (int i = 0; i < kP2pMethodCount; ++i) {
    const RpcCounts& counts = traffic.rpcs[i];
    dht::v1::RpcCounters& out = (*response->mutable_rpcs())[std::string(
        P2pMethodName(static_cast<P2pMethod>(i)))];
    out.set_inbound(counts.inbound);
    out.set_inbound_errors(counts.inbound_errors);
    out.set_outbound(counts.outbound);
    out.set_outbound_errors(counts.outbound_errors);
  }
  const ContentStoreStats stored = deps_.store->stats();
  response->set_stored_keys(stored.keys);
  response->set_stored_bytes(stored.bytes);
  response->set_routing_table_size(
      static_cast<uint32_t>(deps_.routing->size()));
  response->set_routing_table_buckets(
      static_cast<uint32_t>(deps_.routing->NonEmptyBuckets()));
  response->set_p2p_insecure(deps_.p2p_insecure);
  response->set_routing_prefix_rejections(deps_.routing->prefix_rejections());
  if (deps_.guard != nullptr) {
    const PeerGuardStats guard = deps_.guard->stats();
    response->set_peers_banned(static_cast<uint32_t>(guard.peers_banned));
    response->set_bans_total(guard.bans_total);
    response->set_requests_throttled(guard.requests_throttled);
    response->set_requests_refused_banned(guard.requests_refused_banned);
    response->set_penalties(guard.penalties);
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* DhtApiService::RotateIdentity(
    grpc::CallbackServerContext* /*ctx*/,
    const dht::v1::RotateIdentityRequest* /*request*/,
    dht::v1::RotateIdentityResponse* response) {
  auto* reactor = new AsyncUnary();
  if (deps_.rotator == nullptr) {
    reactor->FinishWith(
        absl::UnimplementedError("identity rotation is not available"));
    return reactor;
  }
  // A cancelled call does not stop the rotation; it only loses the answer.
  reactor->Ref();
  deps_.rotator->RotateIdentity(
      [reactor, response](absl::StatusOr<RotationResult> result) {
        reactor->FinishWith(result.status(), [&] {
          response->set_old_node_id(result->old_id.ToHex());
          response->set_new_node_id(result->new_id.ToHex());
          response->set_values(result->handover.values);
          response->set_values_handed_over(result->handover.handed_over);
          response->set_replicas_stored(result->handover.replicas_stored);
        });
        reactor->Unref();
      });
  return reactor;
}

}  // namespace datamgmt::dht
