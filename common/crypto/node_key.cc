#include "common/crypto/node_key.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <utility>

#include "absl/strings/str_cat.h"

namespace datamgmt::crypto {
namespace {

constexpr char kGroupName[] = "prime256v1";  // P-256

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Bn = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_clear_free>>;
using BnCtx = std::unique_ptr<BN_CTX, Deleter<BN_CTX, BN_CTX_free>>;
using EcGroup = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using EcPoint = std::unique_ptr<EC_POINT, Deleter<EC_POINT, EC_POINT_free>>;
using ParamBld =
    std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using Params = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using PkeyCtx =
    std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using X509Ext =
    std::unique_ptr<X509_EXTENSION,
                    Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

// OpenSSL's queued errors as one message (and the queue emptied).
std::string OpenSslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

absl::Status OpenSslError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", OpenSslErrors()));
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

Bio ReadBio(absl::string_view pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Never prompts for a passphrase (an encrypted key fails to load).
int NoPassphrase(char*, int, int, void*) { return 0; }

bool IsP256(EVP_PKEY* key) {
  if (!EVP_PKEY_is_a(key, "EC")) return false;
  char group[64] = {};
  size_t len = 0;
  if (!EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                      sizeof(group), &len)) {
    return false;
  }
  return absl::string_view(group, len) == kGroupName;
}

bool AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509Ext ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  return ext != nullptr && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

NodeKey::NodeKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key_.get(), &der);
  if (n > 0) {
    spki_der_.assign(reinterpret_cast<const char*>(der),
                     static_cast<size_t>(n));
  }
  OPENSSL_free(der);
  id_ = Sha256(spki_der_);
}

absl::StatusOr<NodeKey> NodeKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (key == nullptr) return OpenSslError("cannot generate a P-256 key");
  NodeKey out(Own(key));
  if (out.spki_der_.empty()) return OpenSslError("cannot encode the key");
  return out;
}

absl::StatusOr<NodeKey> NodeKey::FromSeed(const Sha256Digest& seed) {
  EcGroup group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnCtx ctx(BN_CTX_new());
  Bn d(BN_bin2bn(seed.data(), static_cast<int>(seed.size()), nullptr));
  Bn order_minus_one(group != nullptr
                         ? BN_dup(EC_GROUP_get0_order(group.get()))
                         : nullptr);
  if (group == nullptr || ctx == nullptr || d == nullptr ||
      order_minus_one == nullptr ||
      !BN_sub_word(order_minus_one.get(), 1) ||
      !BN_mod(d.get(), d.get(), order_minus_one.get(), ctx.get()) ||
      !BN_add_word(d.get(), 1)) {
    return OpenSslError("cannot derive a P-256 scalar");
  }
  EcPoint pub(EC_POINT_new(group.get()));
  unsigned char point[65];
  size_t point_len = 0;
  if (pub == nullptr ||
      !EC_POINT_mul(group.get(), pub.get(), d.get(), nullptr, nullptr,
                    ctx.get()) ||
      (point_len = EC_POINT_point2oct(group.get(), pub.get(),
                                      POINT_CONVERSION_UNCOMPRESSED, point,
                                      sizeof(point), ctx.get())) == 0) {
    return OpenSslError("cannot compute a P-256 public key");
  }
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                       kGroupName, 0) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        point, point_len)) {
    return OpenSslError("cannot build P-256 key parameters");
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtx pctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (params == nullptr || pctx == nullptr ||
      EVP_PKEY_fromdata_init(pctx.get()) != 1 ||
      EVP_PKEY_fromdata(pctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) !=
          1) {
    return OpenSslError("cannot make a P-256 key");
  }
  NodeKey out(Own(key));
  if (out.spki_der_.empty()) return OpenSslError("cannot encode the key");
  return out;
}

absl::StatusOr<NodeKey> NodeKey::FromPem(absl::string_view pem) {
  Bio bio = ReadBio(pem);
  EVP_PKEY* raw = bio == nullptr ? nullptr
                                 : PEM_read_bio_PrivateKey(
                                       bio.get(), nullptr, &NoPassphrase,
                                       nullptr);
  if (raw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a PEM private key (", OpenSslErrors(), ")"));
  }
  std::shared_ptr<EVP_PKEY> key = Own(raw);
  if (!IsP256(key.get())) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not an EC P-256 private key");
  }
  NodeKey out(std::move(key));
  if (out.spki_der_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot encode the public key: ", OpenSslErrors()));
  }
  return out;
}

std::string NodeKey::PrivateKeyPem() const {
  Bio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    ERR_clear_error();
    return "";
  }
  return BioContents(bio.get());
}

absl::StatusOr<std::string> NodeKey::SelfSignedCertificatePem(
    absl::Time now) const {
  X509Ptr cert(X509_new());
  if (cert == nullptr) return OpenSslError("cannot allocate a certificate");
  unsigned char serial_bytes[16];
  if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1) {
    return OpenSslError("cannot draw a serial number");
  }
  serial_bytes[0] &= 0x7f;  // a positive INTEGER
  Bn serial(BN_bin2bn(serial_bytes, sizeof(serial_bytes), nullptr));
  const int64_t unix_now = absl::ToUnixSeconds(now);
  constexpr int64_t kDay = 24 * 3600;
  constexpr int64_t kHundredYears = 100 * 365 * kDay;
  // X.509 caps a CN at 64 characters; it is informational only.
  const std::string cn =
      absl::StrCat("datamgmt-node ", Sha256Hex(spki_der_).substr(0, 32));
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (serial == nullptr || X509_set_version(cert.get(), 2) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                    static_cast<time_t>(unix_now - kDay)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                    static_cast<time_t>(unix_now + kHundredYears)) == nullptr ||
      X509_set_pubkey(cert.get(), key_.get()) != 1 ||
      X509_NAME_add_entry_by_txt(
          name, "CN", MBSTRING_ASC,
          reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth") ||
      !AddExtension(cert.get(), NID_subject_alt_name,
                    absl::StrCat("DNS:", kCertificateDnsName).c_str()) ||
      X509_sign(cert.get(), key_.get(), EVP_sha256()) == 0) {
    return OpenSslError("cannot make a self-signed certificate");
  }
  Bio bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
    return OpenSslError("cannot encode the certificate");
  }
  return BioContents(bio.get());
}

absl::StatusOr<Sha256Digest> CertificateKeyId(absl::string_view pem) {
  Bio bio = ReadBio(pem);
  X509Ptr cert(bio == nullptr
                   ? nullptr
                   : PEM_read_bio_X509(bio.get(), nullptr, &NoPassphrase,
                                       nullptr));
  if (cert == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a PEM X.509 certificate (", OpenSslErrors(), ")"));
  }
  unsigned char* der = nullptr;
  const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (n <= 0) {
    OPENSSL_free(der);
    return absl::InvalidArgumentError(absl::StrCat(
        "certificate without a readable public key (", OpenSslErrors(), ")"));
  }
  const Sha256Digest id = Sha256(
      absl::string_view(reinterpret_cast<const char*>(der),
                        static_cast<size_t>(n)));
  OPENSSL_free(der);
  return id;
}

}  // namespace datamgmt::crypto
