#include "common/net/ip_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace datamgmt::net {
namespace {

constexpr std::array<uint8_t, 12> kV4MappedPrefix = {0, 0, 0, 0, 0,    0,
                                                     0, 0, 0, 0, 0xff, 0xff};

// Zeroes every bit of `bytes` after the first `bits`.
void KeepBits(std::array<uint8_t, 16>& bytes, int bits, int total_bits) {
  for (int i = bits; i < total_bits; ++i) {
    bytes[i / 8] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
  }
}

}  // namespace

bool IpAddress::IsLoopback() const {
  if (!v6) return bytes[0] == 127;
  for (int i = 0; i < 15; ++i) {
    if (bytes[i] != 0) return false;
  }
  return bytes[15] == 1;
}

std::string IpAddress::ToString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof(buf));
  return buf;
}

std::string IpAddress::PrefixKey(int v4_bits, int v6_bits) const {
  IpAddress network = *this;
  const int total = v6 ? 128 : 32;
  const int bits = std::clamp(v6 ? v6_bits : v4_bits, 0, total);
  KeepBits(network.bytes, bits, total);
  return absl::StrCat(network.ToString(), "/", bits);
}

std::optional<IpAddress> ParseIpLiteral(absl::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string text(host);
  IpAddress out;
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::memcpy(out.bytes.data(), &v4, 4);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(out.bytes.data(), &v6, 16);
  if (std::equal(kV4MappedPrefix.begin(), kV4MappedPrefix.end(),
                 out.bytes.begin())) {
    std::memmove(out.bytes.data(), out.bytes.data() + 12, 4);
    std::fill(out.bytes.begin() + 4, out.bytes.end(), 0);
    return out;
  }
  out.v6 = true;
  return out;
}

}  // namespace datamgmt::net
