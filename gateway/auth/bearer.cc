#include "gateway/auth/bearer.h"

#include <openssl/crypto.h>

#include "absl/strings/match.h"

namespace datamgmt::gateway::auth {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

absl::string_view TrimBlanks(absl::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  constexpr absl::string_view kScheme = "bearer";
  absl::string_view value = TrimBlanks(authorization);
  if (value.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(value, kScheme) ||
      !IsBlank(value[kScheme.size()])) {
    return std::nullopt;
  }
  absl::string_view token = TrimBlanks(value.substr(kScheme.size()));
  if (token.empty()) return std::nullopt;
  for (char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return std::nullopt;
  }
  return token;
}

TokenMatcher::TokenMatcher(absl::string_view expected)
    : expected_digest_(crypto::Sha256(expected)) {}

bool TokenMatcher::Matches(absl::string_view presented) const {
  const crypto::Sha256Digest digest = crypto::Sha256(presented);
  return CRYPTO_memcmp(digest.data(), expected_digest_.data(),
                       digest.size()) == 0;
}

bool TokensEqual(absl::string_view a, absl::string_view b) {
  return TokenMatcher(a).Matches(b);
}

}  // namespace datamgmt::gateway::auth
