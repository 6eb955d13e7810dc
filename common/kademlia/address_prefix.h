// The address range a contact's advertised address belongs to, for the
// routing table's eclipse resistance: a k-bucket takes at most a few
// contacts from one range, so that an attacker holding one address block
// cannot fill a bucket (and with it every lookup through it) with its own
// nodes.
//
//   AddressPrefix("203.0.113.7:8000")        == "203.0.113.0/24"
//   AddressPrefix("[2001:db8:1:2::7]:8000")  == "2001:db8:1:2::/64"
//   AddressPrefix("127.0.0.1:8000")          == std::nullopt  (loopback)
//   AddressPrefix("node1.example:8000")      == std::nullopt  (a DNS name)
//
// Ranges: an IPv4 literal's /24 (the smallest block routed on the
// Internet, so one operator's addresses usually share it) and an IPv6
// literal's /64 (one subnet: any host may pick addresses in its own /64 at
// will). IPv4-mapped IPv6 counts as the IPv4 address it carries.
// Not limited (nullopt):
//  * loopback (127.0.0.0/8, ::1), so that a whole network on one machine
//    (tools/run-local.sh, tests, benchmarks) keeps working;
//  * DNS names: the core never resolves names (it does no I/O), and a name
//    says nothing about the address range behind it, so it cannot be
//    grouped. Deployments that advertise names (Compose, Kubernetes
//    services) are private networks; an attacker who advertises many names
//    still meets the per-source-address rate limits on every request it
//    sends;
//  * anything that is not a valid "host:port" (the core treats addresses
//    as opaque; the service validates them before they get here).
//
// Pure; thread-safe.
#ifndef DATAMGMT_COMMON_KADEMLIA_ADDRESS_PREFIX_H_
#define DATAMGMT_COMMON_KADEMLIA_ADDRESS_PREFIX_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace datamgmt::kademlia {

// Prefix lengths of the ranges.
inline constexpr int kIpv4PrefixBits = 24;
inline constexpr int kIpv6PrefixBits = 64;

// The range of `address` ("host:port"), or nullopt if it is not limited.
std::optional<std::string> AddressPrefix(absl::string_view address);

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_ADDRESS_PREFIX_H_
