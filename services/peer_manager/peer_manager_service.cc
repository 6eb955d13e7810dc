#include "services/peer_manager/peer_manager_service.h"

#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "services/peer_manager/known_peers_records.h"
#include "services/peer_manager/peer_convert.h"
#include "spdlog/spdlog.h"

namespace datamgmt::peer_manager {
namespace {

grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* ctx,
                                 const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// Logs the evicted dead peers a change displaced.
void LogEvicted(const std::vector<PeerRecord>& evicted) {
  for (const PeerRecord& r : evicted) {
    spdlog::info("peer {} displaced (dead) to make room", r.address.ToString());
  }
}

}  // namespace

grpc::ServerUnaryReactor* PeerManagerService::ListPeers(
    grpc::CallbackServerContext* ctx, const peers::v1::ListPeersRequest* req,
    peers::v1::ListPeersResponse* resp) {
  for (const PeerView& view : store_.List(req->healthy(), clock_.Now())) {
    *resp->add_peers() = PeerToProto(view);
  }
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* PeerManagerService::GetPeer(
    grpc::CallbackServerContext* ctx, const peers::v1::GetPeerRequest* req,
    peers::v1::Peer* resp) {
  absl::StatusOr<PeerView> view = store_.Get(req->address(), clock_.Now());
  if (view.ok()) *resp = PeerToProto(*view);
  return Finish(ctx, view.status());
}

grpc::ServerUnaryReactor* PeerManagerService::AddPeer(
    grpc::CallbackServerContext* ctx, const peers::v1::AddPeerRequest* req,
    peers::v1::Peer* resp) {
  const absl::Time now = clock_.Now();
  absl::StatusOr<AddOutcome> added =
      store_.Add(req->address(), req->node_id(), now);
  if (!added.ok()) return Finish(ctx, added.status());
  if (added->evicted.has_value()) LogEvicted({*added->evicted});
  spdlog::info("peer {} added by hand", added->peer.record.address.ToString());
  if (absl::Status saved = store_.Save(now); !saved.ok()) {
    spdlog::error("cannot save known peers after AddPeer: {}",
                  saved.ToString());
    return Finish(ctx, saved);
  }
  *resp = PeerToProto(added->peer);
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* PeerManagerService::RemovePeer(
    grpc::CallbackServerContext* ctx, const peers::v1::RemovePeerRequest* req,
    google::protobuf::Empty* /*resp*/) {
  const absl::Time now = clock_.Now();
  std::optional<absl::Time> before;
  if (!std::isfinite(req->last_seen_before())) {
    return Finish(ctx, absl::InvalidArgumentError(
                           "last_seen_before must be a finite number"));
  }
  if (req->last_seen_before() != 0) {
    before = TimeFromUnixSeconds(req->last_seen_before());
  }
  absl::StatusOr<PeerRecord> removed =
      store_.Remove(req->address(), before, now);
  if (!removed.ok()) return Finish(ctx, removed.status());
  spdlog::info("peer {} removed", removed->address.ToString());
  if (absl::Status saved = store_.Save(now); !saved.ok()) {
    spdlog::error("cannot save known peers after RemovePeer: {}",
                  saved.ToString());
    return Finish(ctx, saved);
  }
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* PeerManagerService::RecordContacts(
    grpc::CallbackServerContext* ctx,
    const peers::v1::RecordContactsRequest* req,
    peers::v1::RecordContactsResponse* resp) {
  const std::vector<ContactResult> results = ContactResultsFromProto(*req);
  absl::StatusOr<RecordContactsOutcome> out =
      store_.RecordContacts(results, clock_.Now());
  if (!out.ok()) return Finish(ctx, out.status());
  LogEvicted(out->evicted);
  resp->set_applied(static_cast<uint32_t>(out->applied));
  resp->set_added(static_cast<uint32_t>(out->added));
  resp->set_ignored(static_cast<uint32_t>(out->ignored));
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* PeerManagerService::MergePeers(
    grpc::CallbackServerContext* ctx, const peers::v1::MergePeersRequest* req,
    peers::v1::MergePeersResponse* resp) {
  const std::vector<PeerHint> hints = HintsFromProto(req->peers());
  absl::StatusOr<MergeOutcome> out = store_.MergeHints(hints, clock_.Now());
  if (!out.ok()) return Finish(ctx, out.status());
  LogEvicted(out->evicted);
  if (out->added > 0) {
    spdlog::debug(
        "merged {} new peers from {}", out->added,
        req->learned_from().empty() ? "configuration" : req->learned_from());
  }
  resp->set_added(static_cast<uint32_t>(out->added));
  resp->set_ignored(static_cast<uint32_t>(out->ignored));
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* PeerManagerService::ReportPeerStandings(
    grpc::CallbackServerContext* ctx,
    const peers::v1::ReportPeerStandingsRequest* req,
    peers::v1::ReportPeerStandingsResponse* resp) {
  if (static_cast<size_t>(req->standings_size()) > kMaxStandings) {
    return Finish(ctx, absl::ResourceExhaustedError(absl::StrCat(
                           "at most ", kMaxStandings,
                           " standings per report, got ",
                           req->standings_size())));
  }
  std::vector<ReportedStanding> standings;
  standings.reserve(req->standings_size());
  int bans = 0;
  for (const peers::v1::PeerStanding& proto : req->standings()) {
    standings.push_back(StandingFromProto(proto));
    if (standings.back().banned_until.has_value()) ++bans;
  }
  absl::StatusOr<int> kept =
      store_.ReplaceStandings(std::move(standings), clock_.Now());
  if (!kept.ok()) return Finish(ctx, kept.status());
  spdlog::debug("dht-service reported {} peer standings ({} bans)", *kept,
                bans);
  resp->set_accepted(static_cast<uint32_t>(*kept));
  return Finish(ctx, absl::OkStatus());
}

grpc::ServerUnaryReactor* PeerManagerService::GetPeerStats(
    grpc::CallbackServerContext* ctx,
    const peers::v1::GetPeerStatsRequest* /*req*/, peers::v1::PeerStats* resp) {
  const PeerCounts counts = store_.Stats(clock_.Now());
  resp->set_total_peers(static_cast<uint32_t>(counts.total));
  resp->set_healthy_peers(static_cast<uint32_t>(counts.healthy));
  return Finish(ctx, absl::OkStatus());
}

}  // namespace datamgmt::peer_manager
