// Who may call what on the REST gateway: the bearer-token policy.
//
// With AuthMode::kToken (the default) every write and administrative call
// needs "Authorization: Bearer <token>":
//   - every HTTP method other than GET and HEAD (POST /data, the peer and
//     health-monitor administration routes, and any unknown route or method:
//     an unauthenticated client learns nothing about which exist);
//   - any route whose RPC is administrative (IsAdministrativeRpc), whatever
//     its HTTP method, so that a future GET binding of one stays protected;
//   - with `reads`, GET and HEAD too (the API and /openapi.json).
// Probes (/healthz, /readyz, /metrics) never need it.
//
//   Authenticator auth({.mode = AuthMode::kToken, .token = "s3cret"});
//   Access access =
//       ClassifyRequest("POST", "datamgmt.dht.v1.DhtService.PutData");
//   switch (auth.Check(access, authorization_header_values)) { ... }
//
// Pure; Authenticator is immutable and thread-safe.
#ifndef DATAMGMT_GATEWAY_AUTH_AUTH_H_
#define DATAMGMT_GATEWAY_AUTH_AUTH_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "gateway/auth/bearer.h"

namespace datamgmt::gateway::auth {

enum class AuthMode {
  kOff,    // nothing needs a token
  kToken,  // writes and administrative calls (and reads if asked) need one
};

// "token" or "off" (the flag's spelling). InvalidArgument otherwise.
absl::StatusOr<AuthMode> ParseAuthMode(absl::string_view text);

// Longest token accepted (far below the server's header limit).
inline constexpr size_t kMaxTokenLength = 1024;

struct AuthOptions {
  // Default: kToken.
  AuthMode mode = AuthMode::kToken;
  // The shared secret, for kToken: 1..kMaxTokenLength visible ASCII
  // characters (no spaces). Default: "" (which Validate refuses for kToken).
  std::string token = "";
  // GET and HEAD need the token too. Default: false.
  bool reads = false;

  // InvalidArgument for kToken without a (valid) token. The message never
  // contains the token.
  absl::Status Validate() const;
};

// What a request does, for the policy.
enum class Access {
  kProbe,  // /healthz, /readyz, /metrics: always open
  kRead,   // GET or HEAD of a non-administrative route (or of no route)
  kWrite,  // any other method, or an administrative RPC
};

// Whether `rpc` (a method's full name, e.g.
// "datamgmt.health.v1.HealthMonitor.RunCheck") changes the node's
// configuration or triggers work on demand: peer-manager's AddPeer,
// RemovePeer, RecordContacts, MergePeers and ReportPeerStandings,
// health-monitor's RunCheck, dht-service's RotateIdentity.
bool IsAdministrativeRpc(absl::string_view rpc);

// The full names IsAdministrativeRpc accepts.
absl::Span<const absl::string_view> AdministrativeRpcs();

// The access of a request with `http_method` (as sent; "HEAD" counts as a
// read) whose route calls `rpc` ("" if no route matched, or for the
// gateway's own /openapi.json).
Access ClassifyRequest(absl::string_view http_method, absl::string_view rpc);

enum class AuthResult {
  kAllowed,
  kMissing,  // no Authorization header, or not a Bearer credential
  kInvalid,  // a Bearer token that is not the token, or several headers
};

class Authenticator {
 public:
  // `options` must be valid (Validate).
  explicit Authenticator(const AuthOptions& options);

  bool enabled() const { return mode_ == AuthMode::kToken; }

  // Whether a request of `access` needs the token.
  bool Required(Access access) const;

  // Checks a request of `access` whose Authorization header values are
  // `authorization` (empty if there is none). kAllowed if the token is not
  // required or the single header carries it.
  AuthResult Check(Access access,
                   absl::Span<const absl::string_view> authorization) const;

 private:
  const AuthMode mode_;
  const bool reads_;
  const TokenMatcher matcher_;
};

}  // namespace datamgmt::gateway::auth

#endif  // DATAMGMT_GATEWAY_AUTH_AUTH_H_
