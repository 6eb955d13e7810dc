#include "services/peer_manager/known_peers_records.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/kademlia/node_id.h"
#include "common/net/peer_address.h"

namespace datamgmt::peer_manager {

absl::Time TimeFromUnixSeconds(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return absl::UnixEpoch();
  return absl::UnixEpoch() + absl::Seconds(seconds);
}

double UnixSecondsFromTime(absl::Time time) {
  const absl::Duration since = time - absl::UnixEpoch();
  if (since < absl::ZeroDuration()) return 0.0;
  // Whole seconds and the fraction apart: ToDoubleSeconds of the whole
  // duration counts quarter nanoseconds in a double, which is inexact beyond
  // 2^53 of them (about 26 days), and so would not give back the double a
  // time was made from (3410624400.5 came back as 3410624400.4999995).
  const int64_t whole = absl::ToInt64Seconds(since);
  const double seconds =
      static_cast<double>(whole) +
      absl::ToDoubleSeconds(since - absl::Seconds(whole));
  if (!std::isfinite(seconds)) return 0.0;
  return seconds;
}

KnownPeerEntry EntryFromRecord(const PeerRecord& record) {
  return KnownPeerEntry{
      .host = record.address.host,
      .port = record.address.port,
      .last_seen = UnixSecondsFromTime(record.stats.last_seen),
      .success_count = record.stats.success_count,
      .failure_count = record.stats.failure_count,
      .node_id = record.node_id.has_value() ? record.node_id->ToHex() : "",
      .extra_fields = record.extra_fields,
  };
}

absl::StatusOr<PeerRecord> RecordFromEntry(const KnownPeerEntry& entry,
                                           absl::Time now) {
  absl::StatusOr<net::PeerAddress> address =
      net::MakePeerAddress(entry.host, entry.port);
  if (!address.ok()) return address.status();
  if (entry.success_count < 0 || entry.failure_count < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(address->ToString(), ": negative count"));
  }
  PeerRecord record;
  record.address = *std::move(address);
  record.stats.last_seen = TimeFromUnixSeconds(entry.last_seen);
  record.stats.success_count = entry.success_count;
  record.stats.failure_count = entry.failure_count;
  record.added_at = now;
  record.extra_fields = entry.extra_fields;
  if (!entry.node_id.empty()) {
    absl::StatusOr<kademlia::NodeId> id =
        kademlia::NodeId::FromHex(entry.node_id);
    if (!id.ok()) return id.status();
    record.node_id = *id;
  }
  return record;
}

KnownPeers KnownPeersFromRecords(const std::vector<PeerRecord>& records) {
  KnownPeers peers;
  for (const PeerRecord& record : records) {
    peers[record.address.ToString()] = EntryFromRecord(record);
  }
  return peers;
}

std::vector<PeerRecord> RecordsFromKnownPeers(const KnownPeers& peers,
                                              absl::Time now) {
  std::vector<PeerRecord> records;
  records.reserve(peers.size());
  for (const auto& [key, entry] : peers) {
    absl::StatusOr<PeerRecord> record = RecordFromEntry(entry, now);
    if (record.ok()) records.push_back(*std::move(record));
  }
  return records;
}

}  // namespace datamgmt::peer_manager
