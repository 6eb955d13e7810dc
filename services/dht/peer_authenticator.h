// Key-bound identity at the application layer: a peer's claimed node ID
// (a request's sender, an answer's responder) must be the ID bound to the
// certificate it presented on the TLS connection, i.e. SHA-256 of the
// certificate's DER SubjectPublicKeyInfo (common/crypto/node_key.h). TLS has
// already proven that the peer holds that certificate's private key.
//
//   PeerAuthenticator auth({});
//   absl::Status s = auth.Check(PeerCertificatePem(*ctx->auth_context()),
//                               sender.id, "sender");
//   if (!s.ok()) return s;   // UNAUTHENTICATED: not learned, not served
//
// Parsing X.509 costs tens of microseconds, so the ID of each certificate
// seen is cached (bounded; the cache is emptied when full). Peers keep one
// certificate per connection, so the hot path is one hash lookup.
//
// Thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_PEER_AUTHENTICATOR_H_
#define DATAMGMT_SERVICES_DHT_PEER_AUTHENTICATOR_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/kademlia/node_id.h"

namespace datamgmt::dht {

struct PeerAuthenticatorOptions {
  // Certificates whose ID is cached at most. At least 1. Default: 4096.
  size_t cache_size = 4096;
};

class PeerAuthenticator {
 public:
  explicit PeerAuthenticator(PeerAuthenticatorOptions options)
      : options_(options) {}

  // The node ID bound to a PEM certificate. Returns InvalidArgument if it
  // is not a parsable X.509 certificate (not cached).
  absl::StatusOr<kademlia::NodeId> IdOfCertificate(absl::string_view pem);

  // OK if `certificate_pem` (the peer's certificate on the call, nullopt
  // for a call without one) is bound to `claimed`. Otherwise
  // UNAUTHENTICATED, naming `role` ("sender", "responder"), the claimed ID
  // and the certificate's ID.
  absl::Status Check(std::optional<absl::string_view> certificate_pem,
                     const kademlia::NodeId& claimed, absl::string_view role);

  // Certificates cached.
  size_t cached() const;

 private:
  const PeerAuthenticatorOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, kademlia::NodeId> ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_PEER_AUTHENTICATOR_H_
