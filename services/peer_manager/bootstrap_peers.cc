#include "services/peer_manager/bootstrap_peers.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace datamgmt::peer_manager {

absl::StatusOr<std::vector<net::PeerAddress>> ParseBootstrapPeers(
    absl::string_view list, absl::string_view source) {
  std::vector<net::PeerAddress> peers;
  int position = 0;
  for (absl::string_view raw : absl::StrSplit(list, ',')) {
    ++position;
    const absl::string_view entry = absl::StripAsciiWhitespace(raw);
    if (entry.empty()) continue;
    absl::StatusOr<net::PeerAddress> address = net::ParsePeerAddress(entry);
    if (!address.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, " entry ", position, " \"", absl::CEscape(entry),
                       "\" is invalid: ", address.status().message()));
    }
    if (std::find(peers.begin(), peers.end(), *address) == peers.end()) {
      peers.push_back(*std::move(address));
    }
  }
  return peers;
}

}  // namespace datamgmt::peer_manager
