// Conversions between peer-manager's protos (datamgmt.peers.v1,
// datamgmt.types.v1, datamgmt.dht.v1 PeerDialer answers) and the pure types
// of peer_table.h. Proto types stop here: PeerTable never sees them.
//
//   peers::v1::Peer proto = PeerToProto(view);
//   std::vector<ContactResult> results = ContactResultsFromProto(request);
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_CONVERT_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_CONVERT_H_

#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "datamgmt/types/v1/types.pb.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "services/peer_manager/peer_record.h"
#include "services/peer_manager/peer_standings.h"
#include "services/peer_manager/peer_table.h"

namespace datamgmt::peer_manager {

// The API's view of a peer: the seed's fields, node_id, healthy,
// success_rate, last_rtt (when measured), and its standing (banned,
// banned_until, ban_reason, score).
peers::v1::Peer PeerToProto(const PeerView& view);

// One reported standing. A malformed address or node_id is dropped from it
// (the standing may still match by its other keys); a malformed
// banned_until makes it no ban.
ReportedStanding StandingFromProto(const peers::v1::PeerStanding& proto);

// One contact result. A malformed rtt becomes a negative one, which
// PeerTable::RecordContacts ignores as malformed; a malformed observed_at
// is treated as unset (the receipt time).
ContactResult ContactResultFromProto(const peers::v1::ContactResult& proto);
std::vector<ContactResult> ContactResultsFromProto(
    const peers::v1::RecordContactsRequest& request);

// A hint; last_seen 0 (or not finite) is "unknown".
PeerHint HintFromProto(const types::v1::PeerHint& proto);
std::vector<PeerHint> HintsFromProto(
    const google::protobuf::RepeatedPtrField<types::v1::PeerHint>& protos);
types::v1::PeerHint HintToProto(const PeerHint& hint);

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_CONVERT_H_
