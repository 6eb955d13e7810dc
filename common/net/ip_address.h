// IP address literals as bytes, for rules that group addresses by network:
// rate limits per source address and routing-table limits per address range
// (eclipse resistance). Pure; nothing here resolves DNS.
//
//   std::optional<IpAddress> ip = ParseIpLiteral("203.0.113.7");
//   ip->IsLoopback()        == false
//   ip->PrefixKey(24, 64)   == "203.0.113.0/24"
//   ParseIpLiteral("2001:db8:1:2::7")->PrefixKey(24, 64) == "2001:db8:1:2::/64"
//   ParseIpLiteral("::ffff:203.0.113.7")->ToString()      == "203.0.113.7"
//   ParseIpLiteral("node1.example")                       == std::nullopt
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, which a dual-stack listener
// reports for IPv4 clients) are treated as the IPv4 address they carry, so
// one client is never counted under two keys.
//
// Values; thread-compatible.
#ifndef DATAMGMT_COMMON_NET_IP_ADDRESS_H_
#define DATAMGMT_COMMON_NET_IP_ADDRESS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace datamgmt::net {

struct IpAddress {
  // True for IPv6 (16 bytes significant), false for IPv4 (the first 4).
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  // 127.0.0.0/8 or ::1.
  bool IsLoopback() const;

  // Dotted IPv4, or RFC 5952 IPv6 (no brackets).
  std::string ToString() const;

  // The network of this address: the first `v4_bits` (0..32) bits of an
  // IPv4 address or the first `v6_bits` (0..128) of an IPv6 one, the rest
  // zeroed, written "network/bits" ("203.0.113.0/24", "2001:db8::/64").
  // Bit counts outside the ranges are clamped.
  std::string PrefixKey(int v4_bits, int v6_bits) const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Parses an IPv4 or IPv6 literal (IPv6 with or without brackets; no port,
// no zone). Returns nullopt for anything else, such as a DNS name.
std::optional<IpAddress> ParseIpLiteral(absl::string_view host);

}  // namespace datamgmt::net

#endif  // DATAMGMT_COMMON_NET_IP_ADDRESS_H_
