// Validation of peer addresses as the P2P protocol defines them: "host:port",
// where host is a DNS name (at most 253 characters), a dotted IPv4 literal or
// an IPv6 literal in brackets, and port is 1..65535. The unspecified hosts
// 0.0.0.0 and [::] are refused: nobody can dial them.
//
//   absl::Status s = ValidatePeerAddress("10.0.0.7:8000");        // OK
//   ValidatePeerAddress("[2001:db8::7]:8000");                     // OK
//   ValidatePeerAddress("0.0.0.0:8000");                // InvalidArgument
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_PEER_ADDRESS_H_
#define DATAMGMT_SERVICES_DHT_PEER_ADDRESS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::dht {

struct HostPort {
  // A DNS name, an IPv4 literal, or an IPv6 literal without brackets.
  std::string host{};
  uint16_t port = 0;
};

// Splits and validates `address`. Returns InvalidArgument naming the problem
// (missing port, port out of range, malformed or unspecified host).
absl::StatusOr<HostPort> ParsePeerAddress(absl::string_view address);

// OK if ParsePeerAddress would succeed.
absl::Status ValidatePeerAddress(absl::string_view address);

// "host:port", with an IPv6 host put in brackets. Does not validate.
std::string JoinHostPort(absl::string_view host, uint32_t port);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_PEER_ADDRESS_H_
