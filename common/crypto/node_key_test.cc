#include "common/crypto/node_key.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace datamgmt::crypto {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

std::string Hex(const Sha256Digest& d) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(d.data()), d.size()));
}

Sha256Digest Seed(uint8_t fill) {
  Sha256Digest seed;
  seed.fill(fill);
  return seed;
}

TEST(NodeKeyTest, IdIsSha256OfTheSubjectPublicKeyInfo) {
  absl::StatusOr<NodeKey> key = NodeKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  // DER SEQUENCE of a P-256 SubjectPublicKeyInfo: 91 bytes, uncompressed.
  ASSERT_EQ(key->PublicKeyDer().size(), 91u);
  EXPECT_EQ(static_cast<uint8_t>(key->PublicKeyDer()[0]), 0x30);
  EXPECT_EQ(key->Id(), Sha256(key->PublicKeyDer()));
}

TEST(NodeKeyTest, KnownAnswerForTheGeneratorPoint) {
  // A zero seed gives the scalar 1, whose public key is P-256's generator G.
  // Expected: sha256sum of the DER SPKI (id-ecPublicKey, prime256v1,
  // 04 || Gx || Gy) built by hand from the curve's published constants.
  absl::StatusOr<NodeKey> key = NodeKey::FromSeed(Seed(0));
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(Hex(key->Id()),
            "5cd252fb0ce8932436faf8ccd1040981b89ee4ad6b9fe9e2a2b7e71aacb27cd3");
}

TEST(NodeKeyTest, IdSurvivesAPemRoundTrip) {
  absl::StatusOr<NodeKey> key = NodeKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string pem = key->PrivateKeyPem();
  EXPECT_TRUE(absl::StartsWith(pem, "-----BEGIN PRIVATE KEY-----")) << pem;
  absl::StatusOr<NodeKey> back = NodeKey::FromPem(pem);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->Id(), key->Id());
  EXPECT_EQ(back->PrivateKeyPem(), pem);
}

TEST(NodeKeyTest, GeneratedKeysDiffer) {
  absl::StatusOr<NodeKey> a = NodeKey::Generate();
  absl::StatusOr<NodeKey> b = NodeKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->Id(), b->Id());
}

TEST(NodeKeyTest, SeededKeysAreDeterministic) {
  absl::StatusOr<NodeKey> a = NodeKey::FromSeed(Seed(7));
  absl::StatusOr<NodeKey> again = NodeKey::FromSeed(Seed(7));
  absl::StatusOr<NodeKey> other = NodeKey::FromSeed(Seed(8));
  ASSERT_TRUE(a.ok() && again.ok() && other.ok());
  EXPECT_EQ(a->Id(), again->Id());
  EXPECT_NE(a->Id(), other->Id());
  // The all-ones seed exceeds the group order and is reduced, not refused.
  EXPECT_TRUE(NodeKey::FromSeed(Seed(0xff)).ok());
  absl::StatusOr<NodeKey> back = NodeKey::FromPem(a->PrivateKeyPem());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->Id(), a->Id());
}

TEST(NodeKeyTest, FromPemRefusesWhatIsNotAP256PrivateKey) {
  EXPECT_EQ(NodeKey::FromPem("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NodeKey::FromPem("garbage").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<NodeKey> key = NodeKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string pem = key->PrivateKeyPem();
  EXPECT_EQ(NodeKey::FromPem(pem.substr(0, pem.size() / 2)).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A certificate is not a private key.
  absl::StatusOr<std::string> cert = key->SelfSignedCertificatePem(kNow);
  ASSERT_TRUE(cert.ok());
  EXPECT_EQ(NodeKey::FromPem(*cert).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Another key type.
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> ed(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  ASSERT_NE(ed, nullptr);
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), ed.get(), nullptr, nullptr, 0,
                                     nullptr, nullptr),
            1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  absl::StatusOr<NodeKey> wrong =
      NodeKey::FromPem(std::string(data, static_cast<size_t>(n)));
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(wrong.status().message(), "P-256"))
      << wrong.status();
}

TEST(NodeKeyTest, CertificateIsSelfSignedAndBoundToTheKey) {
  absl::StatusOr<NodeKey> key = NodeKey::Generate();
  ASSERT_TRUE(key.ok());
  absl::StatusOr<std::string> cert = key->SelfSignedCertificatePem(kNow);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_TRUE(absl::StartsWith(*cert, "-----BEGIN CERTIFICATE-----"));

  absl::StatusOr<Sha256Digest> id = CertificateKeyId(*cert);
  ASSERT_TRUE(id.ok()) << id.status();
  EXPECT_EQ(*id, key->Id());

  // The signature verifies with the certificate's own key; it is valid now.
  std::unique_ptr<BIO, int (*)(BIO*)> bio(
      BIO_new_mem_buf(cert->data(), static_cast<int>(cert->size())), BIO_free);
  std::unique_ptr<X509, void (*)(X509*)> x509(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), X509_free);
  ASSERT_NE(x509, nullptr);
  EXPECT_EQ(X509_verify(x509.get(), X509_get0_pubkey(x509.get())), 1);
  time_t now = static_cast<time_t>(absl::ToUnixSeconds(kNow));
  EXPECT_LT(X509_cmp_time(X509_get0_notBefore(x509.get()), &now), 0);
  EXPECT_GT(X509_cmp_time(X509_get0_notAfter(x509.get()), &now), 0);

  // Another key's certificate names another ID.
  absl::StatusOr<NodeKey> other = NodeKey::Generate();
  ASSERT_TRUE(other.ok());
  absl::StatusOr<std::string> other_cert = other->SelfSignedCertificatePem(kNow);
  ASSERT_TRUE(other_cert.ok());
  EXPECT_EQ(*CertificateKeyId(*other_cert), other->Id());
  EXPECT_NE(*CertificateKeyId(*other_cert), key->Id());
}

TEST(NodeKeyTest, CertificateKeyIdRefusesWhatIsNotACertificate) {
  EXPECT_EQ(CertificateKeyId("").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CertificateKeyId("-----BEGIN CERTIFICATE-----\nAAAA\n"
                             "-----END CERTIFICATE-----\n")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<NodeKey> key = NodeKey::Generate();
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(CertificateKeyId(key->PrivateKeyPem()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace datamgmt::crypto
