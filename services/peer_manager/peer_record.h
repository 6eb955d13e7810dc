// What peer-manager knows about one peer: the value type that PeerTable
// stores, lists and persists (one known_peers.json entry plus what the
// process learned since it started).
//
//   PeerRecord r;
//   r.address = *net::ParsePeerAddress("10.0.0.7:8000");
//   r.stats.last_seen = now;  // a new peer: last_seen is when it was added
//
// Values; thread-compatible.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_RECORD_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_RECORD_H_

#include <map>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/peer_health.h"
#include "common/net/peer_address.h"

namespace datamgmt::peer_manager {

struct PeerRecord {
  // The peer's canonical advertised P2P address; address.ToString() is its
  // key in the table and in known_peers.json.
  net::PeerAddress address;

  // The peer's node ID, once known.
  std::optional<kademlia::NodeId> node_id;

  // Counts and last_seen, as the seed's health rules read them. last_seen is
  // the last successful contact or, for a peer that never answered, the
  // time it was added (peers.proto), so it is always finite in a table.
  kademlia::PeerStats stats;

  // Round-trip time of the last successful contact since this process
  // started; nullopt if none (it is not persisted).
  std::optional<absl::Duration> last_rtt;

  // When the peer entered this process's table: added, learned from a
  // contact or hint, or restored from known_peers.json.
  absl::Time added_at = absl::InfinitePast();

  // Fields of its known_peers.json entry that peer-manager does not
  // interpret, name -> serialized JSON value, written back unchanged. They
  // are dropped if a different node takes over the address.
  std::map<std::string, std::string> extra_fields;

  friend bool operator==(const PeerRecord&, const PeerRecord&) = default;
};

// A record with the health verdict of the seed's rule at one time, as
// ListPeers and GetPeer return it.
struct PeerView {
  PeerRecord record;
  // kademlia::IsHealthy at the time of the call.
  bool healthy = false;
  // kademlia::SuccessRate: 0..1, 0 without attempts.
  double success_rate = 0.0;
  // dht-service's misbehaviour score as last reported (peer_standings.h);
  // 0 when neutral or banned.
  double score = 0.0;
  // Set while the peer is banned (then `healthy` is false): until when,
  // and why.
  std::optional<absl::Time> banned_until = std::nullopt;
  std::string ban_reason = "";
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_RECORD_H_
