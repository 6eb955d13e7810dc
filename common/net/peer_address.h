// Peer addresses: the "host:port" strings that name peers on the P2P wire,
// in peers.proto, in known_peers.json and in INITIAL_PEERS, parsed and
// canonicalised. Every process validates and compares peer addresses with
// this one library, so they agree on what is valid and on its spelling.
//
// host is a DNS name (at most 253 characters), a dotted IPv4 literal, or an
// IPv6 literal (in brackets inside "host:port"); port is 1..65535. The
// canonical form lowercases DNS names and writes IPv6 in RFC 5952 form, so
// two spellings of one address compare equal. The unspecified hosts 0.0.0.0
// and :: are rejected (types.proto conventions).
//
//   absl::StatusOr<PeerAddress> a = ParsePeerAddress("[2001:DB8::0:7]:8000");
//   a->host        == "2001:db8::7"
//   a->ToString()  == "[2001:db8::7]:8000"
//   ValidatePeerAddress("0.0.0.0:8000")                 // InvalidArgument
//   MakePeerAddress("Node1", 8000)->ToString() == "node1:8000"
//
// Compare addresses as PeerAddress values (or CanonicalPeerAddress strings),
// never as the raw strings a peer sent.
//
// Pure functions over values; thread-compatible. Nothing here resolves DNS.
#ifndef DATAMGMT_COMMON_NET_PEER_ADDRESS_H_
#define DATAMGMT_COMMON_NET_PEER_ADDRESS_H_

#include <compare>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::net {

// Longest DNS name accepted as a host.
inline constexpr int kMaxHostLength = 253;

// A canonical peer address. Build it with ParsePeerAddress or
// MakePeerAddress, which guarantee the invariants below.
struct PeerAddress {
  // Lowercase DNS name, dotted IPv4, or RFC 5952 IPv6 without brackets.
  std::string host;
  // 1..65535.
  uint16_t port = 0;

  // True if host is an IPv6 literal.
  bool IsIpv6() const;

  // "host:port", with the host in brackets if it is IPv6.
  std::string ToString() const;

  friend auto operator<=>(const PeerAddress&, const PeerAddress&) = default;
  friend bool operator==(const PeerAddress&, const PeerAddress&) = default;
};

// Parses "host:port" ("[v6]:port" for IPv6) exactly: no surrounding
// whitespace, no scheme, no path. Returns InvalidArgument quoting `text` and
// saying what is wrong (missing port, port out of range, empty or malformed
// host, unbracketed IPv6, unspecified host).
absl::StatusOr<PeerAddress> ParsePeerAddress(absl::string_view text);

// Validates and canonicalises a host (IPv6 without brackets) and a port
// given separately, as known_peers.json stores them. Returns InvalidArgument
// as ParsePeerAddress does.
absl::StatusOr<PeerAddress> MakePeerAddress(absl::string_view host,
                                            int64_t port);

// ParsePeerAddress(text)->ToString(): the canonical spelling of an address.
absl::StatusOr<std::string> CanonicalPeerAddress(absl::string_view text);

// ParsePeerAddress(text).status(): OK if `text` is a valid peer address,
// otherwise InvalidArgument as ParsePeerAddress returns it.
absl::Status ValidatePeerAddress(absl::string_view text);

// "host:port", with the host in brackets if it contains ':'. Formatting
// only: it neither validates nor canonicalises, so it is for addresses that
// are not peer addresses, such as listen addresses ("0.0.0.0:0", "[::]:8000")
// and flag defaults whose port is filled in later. For a peer address use
// MakePeerAddress(host, port)->ToString(), the canonical spelling.
std::string JoinHostPort(absl::string_view host, int64_t port);

}  // namespace datamgmt::net

#endif  // DATAMGMT_COMMON_NET_PEER_ADDRESS_H_
