// SHA-256 digests (OpenSSL 3's libcrypto).
//
//   Sha256Digest d = Sha256("hello");
//   std::string hex = Sha256Hex("hello");  // 64 lowercase hex digits
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_COMMON_CRYPTO_SHA256_H_
#define DATAMGMT_COMMON_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace datamgmt::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

// The SHA-256 digest of `data`.
Sha256Digest Sha256(absl::string_view data);

// The same digest as 64 lowercase hex digits.
std::string Sha256Hex(absl::string_view data);

}  // namespace datamgmt::crypto

#endif  // DATAMGMT_COMMON_CRYPTO_SHA256_H_
