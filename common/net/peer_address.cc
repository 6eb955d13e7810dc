#include "common/net/peer_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace datamgmt::net {
namespace {

absl::Status Invalid(absl::string_view text, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("peer address \"", absl::CEscape(text),
                   "\" is not a valid \"host:port\": ", problem));
}

// A DNS label: 1..63 of [a-z0-9-_], not starting or ending with '-'.
// Underscores are accepted because container runtimes hand them out.
bool IsValidLabel(absl::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

bool LooksLikeIpv4(absl::string_view host) {
  for (char c : host) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.') {
      return false;
    }
  }
  return true;
}

// Canonicalises an unbracketed host into `out`, or says what is wrong.
absl::Status CanonicalHost(absl::string_view text, absl::string_view host,
                           bool bracketed, std::string& out) {
  if (host.empty()) return Invalid(text, "the host is empty");
  if (bracketed || absl::StrContains(host, ':')) {
    in6_addr addr;
    const std::string h(host);
    if (inet_pton(AF_INET6, h.c_str(), &addr) != 1) {
      return Invalid(text, "the host is not a valid IPv6 literal");
    }
    if (IN6_IS_ADDR_UNSPECIFIED(&addr)) {
      return Invalid(text, "the unspecified host :: cannot be dialled");
    }
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &addr, buf, sizeof(buf));  // RFC 5952, lowercase.
    out = buf;
    return absl::OkStatus();
  }
  if (LooksLikeIpv4(host)) {
    in_addr addr;
    const std::string h(host);
    if (inet_pton(AF_INET, h.c_str(), &addr) != 1) {
      return Invalid(text, "the host is not a valid IPv4 literal");
    }
    if (addr.s_addr == htonl(INADDR_ANY)) {
      return Invalid(text, "the unspecified host 0.0.0.0 cannot be dialled");
    }
    out = h;
    return absl::OkStatus();
  }
  if (host.size() > kMaxHostLength) {
    return Invalid(text, absl::StrCat("the host is longer than ",
                                      kMaxHostLength, " characters"));
  }
  for (absl::string_view label : absl::StrSplit(host, '.')) {
    if (!IsValidLabel(label)) {
      return Invalid(text, "the host is not a valid DNS name");
    }
  }
  out = absl::AsciiStrToLower(host);
  return absl::OkStatus();
}

absl::Status ParsePort(absl::string_view text, absl::string_view port_text,
                       uint16_t& out) {
  if (port_text.empty()) return Invalid(text, "the port is empty");
  for (char c : port_text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return Invalid(text, "the port is not a number");
    }
  }
  if (port_text.size() > 5) return Invalid(text, "the port is out of range");
  uint32_t port = 0;
  if (!absl::SimpleAtoi(port_text, &port) || port == 0 || port > 65535) {
    return Invalid(text, "the port must be in 1..65535");
  }
  out = static_cast<uint16_t>(port);
  return absl::OkStatus();
}

}  // namespace

bool PeerAddress::IsIpv6() const { return absl::StrContains(host, ':'); }

std::string PeerAddress::ToString() const {
  if (IsIpv6()) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<PeerAddress> ParsePeerAddress(absl::string_view text) {
  if (text.empty()) return Invalid(text, "it is empty");
  absl::string_view host;
  absl::string_view port_text;
  bool bracketed = false;
  if (text.front() == '[') {
    const size_t close = text.find(']');
    if (close == absl::string_view::npos) {
      return Invalid(text, "missing ']' after the IPv6 host");
    }
    host = text.substr(1, close - 1);
    absl::string_view rest = text.substr(close + 1);
    if (rest.empty()) return Invalid(text, "missing \":port\"");
    if (rest.front() != ':') return Invalid(text, "expected ':' after ']'");
    port_text = rest.substr(1);
    bracketed = true;
  } else {
    const size_t colon = text.rfind(':');
    if (colon == absl::string_view::npos) {
      return Invalid(text, "missing \":port\"");
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (absl::StrContains(host, ':')) {
      in6_addr addr;
      const std::string h(host);
      if (inet_pton(AF_INET6, h.c_str(), &addr) == 1) {
        return Invalid(text, "an IPv6 host must be in brackets");
      }
      return Invalid(text,
                     "the host contains ':' (no scheme or path is allowed; "
                     "an IPv6 host goes in brackets)");
    }
  }
  PeerAddress address;
  if (absl::Status s = CanonicalHost(text, host, bracketed, address.host);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ParsePort(text, port_text, address.port); !s.ok()) {
    return s;
  }
  return address;
}

absl::StatusOr<PeerAddress> MakePeerAddress(absl::string_view host,
                                            int64_t port) {
  const std::string text = absl::StrCat(host, " port ", port);
  PeerAddress address;
  if (absl::Status s = CanonicalHost(text, host, false, address.host);
      !s.ok()) {
    return s;
  }
  if (port < 1 || port > 65535) {
    return Invalid(text, "the port must be in 1..65535");
  }
  address.port = static_cast<uint16_t>(port);
  return address;
}

absl::StatusOr<std::string> CanonicalPeerAddress(absl::string_view text) {
  absl::StatusOr<PeerAddress> address = ParsePeerAddress(text);
  if (!address.ok()) return address.status();
  return address->ToString();
}

absl::Status ValidatePeerAddress(absl::string_view text) {
  return ParsePeerAddress(text).status();
}

std::string JoinHostPort(absl::string_view host, int64_t port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

}  // namespace datamgmt::net
