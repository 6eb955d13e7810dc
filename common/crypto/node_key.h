// A node's key pair and the identity bound to it: an ECDSA P-256 key (OpenSSL
// 3's libcrypto) whose node ID is the SHA-256 of the DER
// SubjectPublicKeyInfo of its public key, and the self-signed X.509
// certificate the node presents in TLS (datamgmt.p2p.v1's key-bound
// identity).
//
//   absl::StatusOr<NodeKey> key = NodeKey::Generate();
//   std::string pem = key->PrivateKeyPem();          // keep it 0600
//   Sha256Digest id = key->Id();                     // the node ID
//   absl::StatusOr<std::string> cert =
//       key->SelfSignedCertificatePem(absl::Now());
//   // On the other side of a TLS connection:
//   absl::StatusOr<Sha256Digest> peer = CertificateKeyId(*cert);  // == id
//
// NodeKey is a value: copies share the (immutable) key. Thread-safe.
#ifndef DATAMGMT_COMMON_CRYPTO_NODE_KEY_H_
#define DATAMGMT_COMMON_CRYPTO_NODE_KEY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/crypto/sha256.h"

// OpenSSL's key type, without including OpenSSL here.
struct evp_pkey_st;

namespace datamgmt::crypto {

// The DNS name in every node certificate's subjectAltName. Peers' TLS
// clients send it as the server name (SNI), so a server finds its
// certificate by name; it identifies nothing.
inline constexpr char kCertificateDnsName[] = "datamgmt-node";

class NodeKey {
 public:
  // A fresh P-256 key from OpenSSL's random generator. Returns Internal if
  // OpenSSL fails.
  static absl::StatusOr<NodeKey> Generate();

  // The P-256 key whose private scalar is derived from `seed` (reduced into
  // 1..n-1). Deterministic: for tests and simulations that need seeded
  // identities; a real node uses Generate.
  static absl::StatusOr<NodeKey> FromSeed(const Sha256Digest& seed);

  // Parses a PEM private key (PKCS#8 "PRIVATE KEY", as PrivateKeyPem
  // writes). Returns InvalidArgument if `pem` is not a PEM private key or
  // not an EC P-256 key.
  static absl::StatusOr<NodeKey> FromPem(absl::string_view pem);

  // The private key as unencrypted PKCS#8 PEM. Secret: store it owner-only.
  std::string PrivateKeyPem() const;

  // The DER SubjectPublicKeyInfo of the public key.
  const std::string& PublicKeyDer() const { return spki_der_; }

  // The node ID: SHA-256(PublicKeyDer()).
  const Sha256Digest& Id() const { return id_; }

  // A self-signed X.509 v3 certificate of this key, PEM, signed with
  // ECDSA-SHA256: subject and issuer CN "datamgmt-node <first 32 hex digits
  // of the ID>", subjectAltName DNS:kCertificateDnsName, valid from a day
  // before `now` for 100 years (peers do not check validity: the key is
  // the identity). Returns Internal if OpenSSL fails.
  absl::StatusOr<std::string> SelfSignedCertificatePem(absl::Time now) const;

 private:
  explicit NodeKey(std::shared_ptr<evp_pkey_st> key);

  std::shared_ptr<evp_pkey_st> key_;
  std::string spki_der_;
  Sha256Digest id_{};
};

// The ID bound to a certificate: SHA-256 of the DER SubjectPublicKeyInfo of
// the first certificate in `pem` (any key type). Returns InvalidArgument if
// `pem` holds no parsable X.509 certificate.
absl::StatusOr<Sha256Digest> CertificateKeyId(absl::string_view pem);

}  // namespace datamgmt::crypto

#endif  // DATAMGMT_COMMON_CRYPTO_NODE_KEY_H_
