// The configured bootstrap peers: INITIAL_PEERS (and peer-manager's
// --initial_peers flag), a comma-separated list of "host:port".
//
//   absl::StatusOr<std::vector<net::PeerAddress>> peers =
//       ParseBootstrapPeers(" node1:8000, [::1]:8001 ,,10.0.0.7:8000");
//
// DNS names are allowed (they are resolved when dialled), IPv6 literals go
// in brackets, whitespace around entries is ignored and empty entries are
// skipped. Duplicates (after canonicalisation) are kept once, in first-seen
// order. Pure; thread-compatible.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_BOOTSTRAP_PEERS_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_BOOTSTRAP_PEERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/net/peer_address.h"

namespace datamgmt::peer_manager {

// Parses `list`. Returns InvalidArgument naming the first bad entry (its
// 1-based position and text) and what is wrong with it: no port, port 0 or
// above 65535, empty host, an unbracketed IPv6 literal, garbage. `source`
// names the setting in the message, e.g. "INITIAL_PEERS".
absl::StatusOr<std::vector<net::PeerAddress>> ParseBootstrapPeers(
    absl::string_view list, absl::string_view source = "INITIAL_PEERS");

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_BOOTSTRAP_PEERS_H_
