// Kademlia identifiers: 256-bit node IDs and keys in the SHA-256 space, the
// XOR metric over them, and the bucket index that orders a routing table.
//
// Node IDs and content keys share one space: a value is stored under
// SHA-256(value) and found at the nodes whose IDs are XOR-closest to it.
//
//   absl::StatusOr<NodeId> id = NodeId::FromHex(hex);  // 64 hex digits
//   Distance d = Xor(*id, other);
//   std::optional<int> bucket = BucketIndex(self, *id);  // 0..255
//
// All types here are values: cheap to copy (32 bytes), thread-compatible.
#ifndef DATAMGMT_COMMON_KADEMLIA_NODE_ID_H_
#define DATAMGMT_COMMON_KADEMLIA_NODE_ID_H_

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::kademlia {

// Number of bits in an ID; also the number of k-buckets in a routing table.
inline constexpr int kIdBits = 256;
inline constexpr int kIdBytes = kIdBits / 8;

using IdBytes = std::array<uint8_t, kIdBytes>;

// XOR distance between two IDs, ordered as a 256-bit big-endian integer.
class Distance {
 public:
  constexpr Distance() = default;
  explicit constexpr Distance(const IdBytes& bytes) : bytes_(bytes) {}

  const IdBytes& bytes() const { return bytes_; }

  // Number of leading zero bits; 256 for the zero distance.
  int LeadingZeroBits() const;
  bool IsZero() const { return LeadingZeroBits() == kIdBits; }

  friend auto operator<=>(const Distance&, const Distance&) = default;
  friend bool operator==(const Distance&, const Distance&) = default;

 private:
  IdBytes bytes_{};
};

// A 256-bit node ID or content key. The default value is all zeros.
class NodeId {
 public:
  constexpr NodeId() = default;
  explicit constexpr NodeId(const IdBytes& bytes) : bytes_(bytes) {}

  // Returns InvalidArgument unless `bytes` is exactly 32 bytes long.
  static absl::StatusOr<NodeId> FromBytes(absl::string_view bytes);

  // Parses exactly 64 hex digits (either case). Returns InvalidArgument
  // naming the problem otherwise (wrong length, non-hex character).
  static absl::StatusOr<NodeId> FromHex(absl::string_view hex);

  // A uniformly random ID.
  static NodeId Random(absl::BitGenRef gen);

  const IdBytes& bytes() const { return bytes_; }
  // The 32 raw bytes, as protobuf `bytes` fields carry them.
  std::string ToBytes() const;
  // 64 lowercase hex digits.
  std::string ToHex() const;
  // The first 8 hex digits, for logs.
  std::string ShortHex() const;

  // Bit `i` counted from the most significant bit (0) to the least (255).
  bool Bit(int i) const;

  friend auto operator<=>(const NodeId&, const NodeId&) = default;
  friend bool operator==(const NodeId&, const NodeId&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const NodeId& id) {
    return H::combine_contiguous(std::move(h), id.bytes_.data(),
                                 id.bytes_.size());
  }

 private:
  IdBytes bytes_{};
};

// The XOR metric: d(a, b) = a ^ b.
Distance Xor(const NodeId& a, const NodeId& b);

// True if `a` is strictly closer to `target` than `b` is.
inline bool CloserTo(const NodeId& target, const NodeId& a, const NodeId& b) {
  return Xor(target, a) < Xor(target, b);
}

// The k-bucket that `other` belongs to in `self`'s routing table: the index i
// such that 2^i <= d(self, other) < 2^(i+1), i.e. 255 - (shared prefix
// length). Bucket 255 holds the farthest half of the space. Returns nullopt
// when other == self (a node never stores itself).
std::optional<int> BucketIndex(const NodeId& self, const NodeId& other);

// A uniformly random ID in bucket `bucket` of `self` (0 <= bucket < 256):
// BucketIndex(self, result) == bucket. Used to refresh a bucket.
NodeId RandomIdInBucket(const NodeId& self, int bucket, absl::BitGenRef gen);

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_NODE_ID_H_
