#include "common/kademlia/address_prefix.h"

#include "common/net/ip_address.h"
#include "common/net/peer_address.h"

namespace datamgmt::kademlia {

std::optional<std::string> AddressPrefix(absl::string_view address) {
  absl::StatusOr<net::PeerAddress> parsed = net::ParsePeerAddress(address);
  if (!parsed.ok()) return std::nullopt;
  std::optional<net::IpAddress> ip = net::ParseIpLiteral(parsed->host);
  if (!ip.has_value() || ip->IsLoopback()) return std::nullopt;
  return ip->PrefixKey(kIpv4PrefixBits, kIpv6PrefixBits);
}

}  // namespace datamgmt::kademlia
