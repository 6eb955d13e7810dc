#include "services/peer_manager/peer_convert.h"

#include <cmath>
#include <cstdint>

#include "common/proto/proto_time.h"
#include "services/peer_manager/known_peers_records.h"

namespace datamgmt::peer_manager {

peers::v1::Peer PeerToProto(const PeerView& view) {
  const PeerRecord& r = view.record;
  peers::v1::Peer out;
  out.set_address(r.address.ToString());
  out.set_host(r.address.host);
  out.set_port(r.address.port);
  out.set_last_seen(UnixSecondsFromTime(r.stats.last_seen));
  out.set_success_count(static_cast<uint64_t>(r.stats.success_count));
  out.set_failure_count(static_cast<uint64_t>(r.stats.failure_count));
  if (r.node_id.has_value()) out.set_node_id(r.node_id->ToHex());
  out.set_healthy(view.healthy);
  out.set_success_rate(view.success_rate);
  if (r.last_rtt.has_value()) {
    *out.mutable_last_rtt() = ToProtoDuration(*r.last_rtt);
  }
  out.set_banned(view.banned_until.has_value());
  if (view.banned_until.has_value()) {
    out.set_banned_until(UnixSecondsFromTime(*view.banned_until));
    out.set_ban_reason(view.ban_reason);
  }
  out.set_score(view.score);
  return out;
}

ReportedStanding StandingFromProto(const peers::v1::PeerStanding& proto) {
  ReportedStanding out;
  if (absl::StatusOr<net::PeerAddress> a =
          net::ParsePeerAddress(proto.address());
      a.ok()) {
    out.address = *a;
  }
  if (absl::StatusOr<kademlia::NodeId> id =
          kademlia::NodeId::FromHex(proto.node_id());
      id.ok()) {
    out.node_id = *id;
  }
  out.source = proto.source_ip();
  out.score = std::isfinite(proto.score()) ? proto.score() : 0;
  if (proto.has_banned_until()) {
    out.banned_until = CheckedFromProtoTimestamp(proto.banned_until());
    out.reason = proto.ban_reason();
  }
  return out;
}

ContactResult ContactResultFromProto(const peers::v1::ContactResult& proto) {
  ContactResult out;
  out.address = proto.address();
  out.node_id = proto.node_id();
  out.success = proto.success();
  if (proto.has_rtt()) {
    out.rtt = CheckedFromProtoDuration(proto.rtt()).value_or(absl::Seconds(-1));
  }
  if (proto.has_observed_at())
    out.observed_at = CheckedFromProtoTimestamp(proto.observed_at());
  return out;
}

std::vector<ContactResult> ContactResultsFromProto(
    const peers::v1::RecordContactsRequest& request) {
  std::vector<ContactResult> out;
  out.reserve(request.results_size());
  for (const peers::v1::ContactResult& r : request.results()) {
    out.push_back(ContactResultFromProto(r));
  }
  return out;
}

PeerHint HintFromProto(const types::v1::PeerHint& proto) {
  PeerHint out;
  out.address = proto.address();
  out.node_id = proto.node_id();
  if (proto.last_seen() != 0 && std::isfinite(proto.last_seen())) {
    out.last_seen = TimeFromUnixSeconds(proto.last_seen());
  }
  return out;
}

std::vector<PeerHint> HintsFromProto(
    const google::protobuf::RepeatedPtrField<types::v1::PeerHint>& protos) {
  std::vector<PeerHint> out;
  out.reserve(protos.size());
  for (const types::v1::PeerHint& h : protos) out.push_back(HintFromProto(h));
  return out;
}

types::v1::PeerHint HintToProto(const PeerHint& hint) {
  types::v1::PeerHint out;
  out.set_address(hint.address);
  out.set_node_id(hint.node_id);
  if (hint.last_seen.has_value()) {
    out.set_last_seen(UnixSecondsFromTime(*hint.last_seen));
  }
  return out;
}

}  // namespace datamgmt::peer_manager
