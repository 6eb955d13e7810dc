#include "gateway/auth/auth.h"

#include <array>

#include "absl/strings/str_cat.h"

namespace datamgmt::gateway::auth {
namespace {

// Checked against the protos by auth_rpcs_test, so a rename fails a test.
constexpr std::array<absl::string_view, 7> kAdministrativeRpcs = {
    "datamgmt.peers.v1.PeerManager.AddPeer",
    "datamgmt.peers.v1.PeerManager.RemovePeer",
    "datamgmt.peers.v1.PeerManager.RecordContacts",
    "datamgmt.peers.v1.PeerManager.MergePeers",
    "datamgmt.peers.v1.PeerManager.ReportPeerStandings",
    "datamgmt.health.v1.HealthMonitor.RunCheck",
    "datamgmt.dht.v1.DhtService.RotateIdentity",
};

}  // namespace

absl::StatusOr<AuthMode> ParseAuthMode(absl::string_view text) {
  if (text == "token") return AuthMode::kToken;
  if (text == "off") return AuthMode::kOff;
  return absl::InvalidArgumentError(
      absl::StrCat("auth mode must be \"token\" or \"off\", not \"", text,
                   "\""));
}

absl::Status AuthOptions::Validate() const {
  if (mode == AuthMode::kOff) return absl::OkStatus();
  if (token.empty()) {
    return absl::InvalidArgumentError("auth mode \"token\" needs a token");
  }
  if (token.size() > kMaxTokenLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the token is longer than ", kMaxTokenLength, " characters"));
  }
  for (char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) {
      return absl::InvalidArgumentError(
          "the token must be visible ASCII characters only (no spaces or "
          "control characters)");
    }
  }
  return absl::OkStatus();
}

absl::Span<const absl::string_view> AdministrativeRpcs() {
  return kAdministrativeRpcs;
}

bool IsAdministrativeRpc(absl::string_view rpc) {
  for (absl::string_view admin : kAdministrativeRpcs) {
    if (rpc == admin) return true;
  }
  return false;
}

Access ClassifyRequest(absl::string_view http_method, absl::string_view rpc) {
  if (IsAdministrativeRpc(rpc)) return Access::kWrite;
  if (http_method == "GET" || http_method == "HEAD") return Access::kRead;
  return Access::kWrite;
}

Authenticator::Authenticator(const AuthOptions& options)
    : mode_(options.mode), reads_(options.reads), matcher_(options.token) {}

bool Authenticator::Required(Access access) const {
  if (mode_ == AuthMode::kOff) return false;
  switch (access) {
    case Access::kProbe:
      return false;
    case Access::kRead:
      return reads_;
    case Access::kWrite:
      return true;
  }
  return true;
}

AuthResult Authenticator::Check(
    Access access, absl::Span<const absl::string_view> authorization) const {
  if (!Required(access)) return AuthResult::kAllowed;
  if (authorization.empty()) return AuthResult::kMissing;
  if (authorization.size() > 1) return AuthResult::kInvalid;
  std::optional<absl::string_view> token = BearerToken(authorization.front());
  if (!token.has_value()) return AuthResult::kMissing;
  return matcher_.Matches(*token) ? AuthResult::kAllowed
                                  : AuthResult::kInvalid;
}

}  // namespace datamgmt::gateway::auth
