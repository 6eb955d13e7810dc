// known_peers.json: the seed's peer store file, read and written exactly in
// the seed's format (shared/seed/p2p-network.md, "Peer Storage"):
//
//   {
//     "192.168.1.10:8000": {
//       "host": "192.168.1.10",
//       "port": 8000,
//       "last_seen": 1705312200.5,
//       "success_count": 100,
//       "failure_count": 5
//     }
//   }
//
// An object keyed by "host:port" (IPv6 hosts in brackets; host without
// them). last_seen is Unix seconds with a fraction (a JSON number); port and
// the counts are JSON integers. Extra fields are allowed: peer-manager adds
// "node_id" (64 lowercase hex digits) when known and keeps any other field
// it does not know, writing it back unchanged.
//
//   absl::StatusOr<KnownPeers> peers = LoadKnownPeersFile(path);
//   if (IsCorruptKnownPeersFile(peers.status())) {
//     absl::StatusOr<std::string> backup = MoveCorruptFileAside(path, now);
//     // log both, start from the bootstrap peers
//   }
//   absl::Status saved = SaveKnownPeersFile(path, *peers);
//
// Functions only; thread-safe as long as two threads do not write the same
// path at once.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_FILE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_FILE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace datamgmt::peer_manager {

// The file's name inside the data directory.
inline constexpr absl::string_view kKnownPeersFileName = "known_peers.json";

// One entry, as stored.
struct KnownPeerEntry {
  // Canonical host (IPv6 without brackets) and port 1..65535.
  std::string host;
  uint16_t port = 0;
  // Unix seconds with a fraction, >= 0.
  double last_seen = 0.0;
  // >= 0.
  int64_t success_count = 0;
  int64_t failure_count = 0;
  // 64 lowercase hex digits, or empty if unknown (then not written).
  std::string node_id;
  // Any other field: name -> its serialized JSON value. Written after the
  // known fields, in name order; a name of a known field is ignored.
  std::map<std::string, std::string> extra_fields;

  friend bool operator==(const KnownPeerEntry&,
                         const KnownPeerEntry&) = default;
};

// The whole file, keyed by canonical "host:port".
using KnownPeers = std::map<std::string, KnownPeerEntry>;

// Parses the file's text. `source` names it in errors. A corrupt text
// (empty, not JSON, truncated, not an object of objects, a missing field or
// one of the wrong type, a key that is not the entry's host:port, a port out
// of range, a negative count or last_seen, a malformed node_id, two keys for
// one canonical address) is DataLoss, naming `source`, the entry and the
// problem.
absl::StatusOr<KnownPeers> ParseKnownPeers(absl::string_view text,
                                           absl::string_view source);

// The file's text: pretty-printed with two-space indentation like the
// seed's sample, keys in order, a final newline. last_seen is written as
// the shortest decimal that reads back as the same double.
std::string SerializeKnownPeers(const KnownPeers& peers);

// Reads and parses `path`. A missing file is an empty set (first start).
// Returns DataLoss for a corrupt file (see ParseKnownPeers), another error
// from reading it (e.g. PermissionDenied) otherwise.
absl::StatusOr<KnownPeers> LoadKnownPeersFile(const std::string& path);

// Replaces `path` atomically and durably (io::WriteFileAtomically): after a
// crash the file holds the old or the new set, never a mix.
absl::Status SaveKnownPeersFile(const std::string& path,
                                const KnownPeers& peers);

// True for the error LoadKnownPeersFile returns for a corrupt file.
bool IsCorruptKnownPeersFile(const absl::Status& status);

// Renames a corrupt `path` to "<path>.corrupt-<unix seconds of now>" (or
// "...-<seconds>.1", ".2"... if taken: an earlier backup is never
// overwritten) and returns the backup's path. Returns NotFound if `path`
// does not exist, another error naming both paths if the rename fails.
absl::StatusOr<std::string> MoveCorruptFileAside(const std::string& path,
                                                 absl::Time now);

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_KNOWN_PEERS_FILE_H_
