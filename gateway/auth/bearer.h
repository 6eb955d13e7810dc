// Bearer tokens (RFC 6750) on the wire: reading the token out of an
// Authorization header value, and comparing tokens without leaking where
// they differ or how long the expected one is.
//
//   TokenMatcher matcher(expected);           // once, at start
//   std::optional<absl::string_view> token = BearerToken("Bearer s3cret");
//   if (token && matcher.Matches(*token)) { ... }
//
// Pure functions and an immutable class; thread-safe.
#ifndef DATAMGMT_GATEWAY_AUTH_BEARER_H_
#define DATAMGMT_GATEWAY_AUTH_BEARER_H_

#include <optional>

#include "common/crypto/sha256.h"

#include "absl/strings/string_view.h"

namespace datamgmt::gateway::auth {

// The token of a "Bearer <token>" credential: the scheme matches
// case-insensitively; spaces and tabs around the value and between scheme
// and token are skipped. nullopt if the scheme is not Bearer, the token is
// missing, or the token itself contains a space or tab or control character.
std::optional<absl::string_view> BearerToken(absl::string_view authorization);

// Compares presented tokens with one expected token in constant time: only
// the expected token's SHA-256 digest is kept, each presented token is hashed
// and the digests are compared with CRYPTO_memcmp. The time of Matches
// therefore depends on the presented token's length alone, never on where it
// differs from the expected one or on the expected one's length.
class TokenMatcher {
 public:
  explicit TokenMatcher(absl::string_view expected);

  bool Matches(absl::string_view presented) const;

 private:
  crypto::Sha256Digest expected_digest_;
};

// TokenMatcher(a).Matches(b).
bool TokensEqual(absl::string_view a, absl::string_view b);

}  // namespace datamgmt::gateway::auth

#endif  // DATAMGMT_GATEWAY_AUTH_BEARER_H_
