#include "gateway/http/test_certs.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace datamgmt::gateway::http {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Ext = std::unique_ptr<X509_EXTENSION,
                            Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

}  // namespace

absl::StatusOr<TestCert> WriteSelfSignedCert(const std::string& dir,
                                             absl::string_view name,
                                             absl::string_view key_passphrase) {
  Key key(EVP_EC_gen("P-256"));
  Cert cert(X509_new());
  if (key == nullptr || cert == nullptr) {
    return absl::InternalError("cannot make a key or certificate");
  }
  X509* x = cert.get();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key.get());
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      subject, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  Ext san(X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                              "IP:127.0.0.1,DNS:localhost"));
  if (san == nullptr || X509_add_ext(x, san.get(), -1) != 1 ||
      X509_sign(x, key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("cannot sign the certificate");
  }

  TestCert out{absl::StrCat(dir, "/", name, ".crt"),
               absl::StrCat(dir, "/", name, ".key")};
  Bio cert_bio(BIO_new_file(out.cert_file.c_str(), "w"));
  Bio key_bio(BIO_new_file(out.key_file.c_str(), "w"));
  if (cert_bio == nullptr || key_bio == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot write in ", dir));
  }
  std::string passphrase(key_passphrase);
  const bool key_ok =
      passphrase.empty()
          ? PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr,
                                     nullptr, 0, nullptr, nullptr) == 1
          : PEM_write_bio_PKCS8PrivateKey(
                key_bio.get(), key.get(), EVP_aes_256_cbc(), passphrase.data(),
                static_cast<int>(passphrase.size()), nullptr, nullptr) == 1;
  if (PEM_write_bio_X509(cert_bio.get(), x) != 1 || !key_ok) {
    return absl::UnavailableError(absl::StrCat("cannot write PEM in ", dir));
  }
  return out;
}

std::string WriteTestFile(const std::string& dir, absl::string_view name,
                          absl::string_view contents) {
  const std::string path = absl::StrCat(dir, "/", name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  return out ? path : "";
}

}  // namespace datamgmt::gateway::http
