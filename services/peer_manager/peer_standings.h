// The standing of misbehaving peers as dht-service last reported it
// (PeerManager.ReportPeerStandings): bans in force and suspects with a
// lowered score. PeerStore applies it to the peers it lists: a banned peer
// shows banned (never healthy), a suspect its score, and banned addresses
// the table does not hold are listed as extra entries.
//
//   PeerStandings standings;
//   standings.Replace({ReportedStanding{.node_id = id,
//                                       .banned_until = now + absl::Hours(1),
//                                       .reason = "tampered data"}},
//                     now);
//   if (auto s = standings.For(record, now); s && s->BannedAt(now)) ...
//
// A standing applies to a peer whose node ID, address, or host (an IP
// address within the standing's source address or /64) matches; a ban
// wins over a suspect score. Bans end at their banned_until whatever the
// reports do; suspect scores are shown only while the report is fresher
// than kStandingsMaxAge (dht-service resends every minute while it has
// any, so a dht-service that stopped reporting leaves no stale scores).
// Lookups are hash-map lookups: cheap for every listed peer.
//
// Thread-compatible: PeerStore guards it.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_STANDINGS_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_STANDINGS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kademlia/node_id.h"
#include "common/net/peer_address.h"
#include "services/peer_manager/peer_record.h"

namespace datamgmt::peer_manager {

// peers.proto's limit on one report.
inline constexpr size_t kMaxStandings = 1000;
// How long a report's suspect scores are shown.
inline constexpr absl::Duration kStandingsMaxAge = absl::Minutes(5);

struct ReportedStanding {
  std::optional<net::PeerAddress> address{};
  std::optional<kademlia::NodeId> node_id{};
  // An IPv4 address ("203.0.113.7") or IPv6 network ("2001:db8::/64").
  std::string source{};
  // Negative for a suspect; 0 for a ban.
  double score = 0;
  std::optional<absl::Time> banned_until{};
  std::string reason{};

  bool BannedAt(absl::Time now) const {
    return banned_until.has_value() && *banned_until > now;
  }
};

class PeerStandings {
 public:
  // Replaces every standing with `standings`, reported at `now`, skipping
  // those with no address, node ID or source. Returns how many were kept,
  // or ResourceExhausted (keeping the old list) for more than
  // kMaxStandings.
  absl::StatusOr<int> Replace(std::vector<ReportedStanding> standings,
                              absl::Time now);

  // The standing that applies to `record` at `now`: a ban in force if one
  // matches, else a suspect's score (bans that ended do not apply).
  std::optional<ReportedStanding> For(const PeerRecord& record,
                                      absl::Time now) const;

  // Bans in force at `now` that name an address and match none of
  // `records`, as records to list (no attempts, last_seen at the epoch),
  // with their standings.
  std::vector<std::pair<PeerRecord, ReportedStanding>> UnknownBans(
      const std::vector<PeerRecord>& records, absl::Time now) const;

  size_t size() const { return standings_.size(); }

 private:
  std::optional<ReportedStanding> Best(const std::vector<size_t>& matches,
                                       absl::Time now) const;

  std::vector<ReportedStanding> standings_;
  absl::Time reported_at_ = absl::InfinitePast();
  // Indexes into standings_.
  absl::flat_hash_map<std::string, std::vector<size_t>> by_node_id_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_address_;
  absl::flat_hash_map<std::string, std::vector<size_t>> by_source_;
};

// The source key of a host, as dht-service reports sources: the IPv4
// address itself, or the IPv6 /64 ("2001:db8:1:2::/64"); empty for a DNS
// name.
std::string SourceKeyOfHost(absl::string_view host);

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_STANDINGS_H_
