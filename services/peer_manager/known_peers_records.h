// Conversion between PeerTable's records and known_peers.json entries.
//
//   table.Restore(RecordsFromKnownPeers(*LoadKnownPeersFile(path), now));
//   SaveKnownPeersFile(path, KnownPeersFromRecords(table.Records()));
//
// last_seen is Unix seconds as a double in the file and an absl::Time in a
// record; the conversion round-trips every last_seen from 2^21 s
// (1970-01-25) on to the same double; an earlier one comes back within a
// quarter nanosecond (absl::Time's resolution). last_rtt is not persisted; added_at becomes the load time.
// Pure functions; thread-compatible.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_RECORDS_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_RECORDS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/peer_manager/known_peers_file.h"
#include "services/peer_manager/peer_record.h"

namespace datamgmt::peer_manager {

// Unix seconds with a fraction <-> absl::Time. A non-finite time maps to 0
// (the Unix epoch); negative times are clamped to 0.
absl::Time TimeFromUnixSeconds(double seconds);
double UnixSecondsFromTime(absl::Time time);

// The file entry for a record (node_id in lowercase hex when known, extra
// fields carried through).
KnownPeerEntry EntryFromRecord(const PeerRecord& record);

// The record for a file entry, restored at `now` (added_at = now). Returns
// InvalidArgument if the entry breaks the file's rules (only possible for
// an entry not produced by ParseKnownPeers).
absl::StatusOr<PeerRecord> RecordFromEntry(const KnownPeerEntry& entry,
                                           absl::Time now);

// All records, keyed by address.
KnownPeers KnownPeersFromRecords(const std::vector<PeerRecord>& records);

// All valid entries as records; an invalid one is skipped.
std::vector<PeerRecord> RecordsFromKnownPeers(const KnownPeers& peers,
                                              absl::Time now);

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_RECORDS_H_
