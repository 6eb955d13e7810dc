#include "common/kademlia/node_id.h"

#include <bit>

#include "absl/random/distributions.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace datamgmt::kademlia {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

int Distance::LeadingZeroBits() const {
  for (int i = 0; i < kIdBytes; ++i) {
    if (bytes_[i] != 0) return i * 8 + std::countl_zero(bytes_[i]);
  }
  return kIdBits;
}

absl::StatusOr<NodeId> NodeId::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node ID must be ", kIdBytes, " bytes, got ", bytes.size()));
  }
  IdBytes out;
  for (int i = 0; i < kIdBytes; ++i) out[i] = static_cast<uint8_t>(bytes[i]);
  return NodeId(out);
}

absl::StatusOr<NodeId> NodeId::FromHex(absl::string_view hex) {
  if (hex.size() != 2 * kIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ID must be ", 2 * kIdBytes, " hex digits, got ", hex.size()));
  }
  IdBytes out;
  for (int i = 0; i < kIdBytes; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("ID has a non-hex character at position ",
                       hi < 0 ? 2 * i : 2 * i + 1));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return NodeId(out);
}

NodeId NodeId::Random(absl::BitGenRef gen) {
  IdBytes out;
  for (auto& b : out) b = absl::Uniform<uint8_t>(gen);
  return NodeId(out);
}

std::string NodeId::ToBytes() const {
  return std::string(reinterpret_cast<const char*>(bytes_.data()),
                     bytes_.size());
}

std::string NodeId::ToHex() const {
  std::string out(2 * kIdBytes, '0');
  for (int i = 0; i < kIdBytes; ++i) {
    out[2 * i] = kHexDigits[bytes_[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes_[i] & 0xf];
  }
  return out;
}

std::string NodeId::ShortHex() const { return ToHex().substr(0, 8); }

bool NodeId::Bit(int i) const { return (bytes_[i / 8] >> (7 - i % 8)) & 1; }

Distance Xor(const NodeId& a, const NodeId& b) {
  IdBytes out;
  for (int i = 0; i < kIdBytes; ++i) out[i] = a.bytes()[i] ^ b.bytes()[i];
  return Distance(out);
}

std::optional<int> BucketIndex(const NodeId& self, const NodeId& other) {
  const int lz = Xor(self, other).LeadingZeroBits();
  if (lz == kIdBits) return std::nullopt;
  return kIdBits - 1 - lz;
}

NodeId RandomIdInBucket(const NodeId& self, int bucket, absl::BitGenRef gen) {
  // Keep the (255 - bucket) leading bits of self, flip the next one, and
  // randomise the rest.
  const int prefix = kIdBits - 1 - bucket;
  IdBytes out = NodeId::Random(gen).bytes();
  for (int i = 0; i < kIdBits; ++i) {
    uint8_t mask = static_cast<uint8_t>(1u << (7 - i % 8));
    bool bit;
    if (i < prefix) {
      bit = self.Bit(i);
    } else if (i == prefix) {
      bit = !self.Bit(i);
    } else {
      break;
    }
    out[i / 8] = bit ? (out[i / 8] | mask) : (out[i / 8] & ~mask);
  }
  return NodeId(out);
}

}  // namespace datamgmt::kademlia
