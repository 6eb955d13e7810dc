#include "services/dht/peer_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace datamgmt::dht {
namespace {

constexpr size_t kMaxDnsName = 253;
constexpr size_t kMaxDnsLabel = 63;

absl::Status Invalid(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("peer address \"", absl::CEscape(address), "\": ", why));
}

bool IsDnsName(absl::string_view host) {
  if (host.empty() || host.size() > kMaxDnsName) return false;
  if (absl::EndsWith(host, ".")) host.remove_suffix(1);  // rooted name
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (label.empty() || label.size() > kMaxDnsLabel) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      // Underscores are not RFC 1123, but container runtimes hand them out.
      if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
    }
  }
  return true;
}

bool LooksNumeric(absl::string_view host) {
  for (char c : host) {
    if (!absl::ascii_isdigit(c) && c != '.') return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<HostPort> ParsePeerAddress(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) {
    return Invalid(address, "expected \"host:port\"");
  }
  absl::string_view host = address.substr(0, colon);
  const absl::string_view port_text = address.substr(colon + 1);
  uint32_t port = 0;
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port_text, &port) || port < 1 || port > 65535) {
    return Invalid(address, "port must be 1..65535");
  }
  HostPort out{.port = static_cast<uint16_t>(port)};
  if (absl::StartsWith(host, "[")) {
    if (!absl::EndsWith(host, "]")) return Invalid(address, "unclosed '['");
    host = host.substr(1, host.size() - 2);
    in6_addr v6;
    const std::string literal(host);
    if (inet_pton(AF_INET6, literal.c_str(), &v6) != 1) {
      return Invalid(address, "malformed IPv6 literal");
    }
    if (std::memcmp(&v6, &in6addr_any, sizeof(v6)) == 0) {
      return Invalid(address, "the unspecified host [::] cannot be dialled");
    }
    out.host = literal;
    return out;
  }
  if (absl::StrContains(host, ':')) {
    return Invalid(address, "an IPv6 host must be in brackets");
  }
  if (LooksNumeric(host)) {
    in_addr v4;
    const std::string literal(host);
    if (inet_pton(AF_INET, literal.c_str(), &v4) != 1) {
      return Invalid(address, "malformed IPv4 literal");
    }
    if (v4.s_addr == htonl(INADDR_ANY)) {
      return Invalid(address, "the unspecified host 0.0.0.0 cannot be dialled");
    }
    out.host = literal;
    return out;
  }
  if (!IsDnsName(host)) return Invalid(address, "malformed host name");
  out.host = std::string(host);
  return out;
}

absl::Status ValidatePeerAddress(absl::string_view address) {
  return ParsePeerAddress(address).status();
}

std::string JoinHostPort(absl::string_view host, uint32_t port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

}  // namespace datamgmt::dht
