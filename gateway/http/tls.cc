#include "gateway/http/tls.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/system/error_code.hpp>

#include "absl/strings/str_cat.h"

namespace datamgmt::gateway::http {
namespace {

namespace ssl = boost::asio::ssl;

// Whole PEM files are far smaller; anything larger is not one.
constexpr std::streamsize kMaxPemBytes = 1 << 20;

// The file's contents, wiped from memory when destroyed (it may be a key).
class FileBytes {
 public:
  FileBytes() = default;
  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
  }

  // InvalidArgument "<what> \"<path>\": cannot read: <reason>".
  absl::Status Read(absl::string_view what, const std::string& path) {
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (in) {
      bytes_.assign(std::istreambuf_iterator<char>(in),
                    std::istreambuf_iterator<char>());
    }
    if (!in && !in.eof()) {
      const int error = errno;
      return absl::InvalidArgumentError(absl::StrCat(
          what, " \"", path, "\": cannot read: ",
          error != 0 ? std::strerror(error) : "read failed"));
    }
    if (static_cast<std::streamsize>(bytes_.size()) > kMaxPemBytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " \"", path, "\": larger than ", kMaxPemBytes,
          " bytes; not a PEM file"));
    }
    return absl::OkStatus();
  }

  boost::asio::const_buffer buffer() const {
    return boost::asio::buffer(bytes_);
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// The first PEM private key in `file`; null if there is none or it is
// encrypted (no passphrase is ever asked for).
EVP_PKEY* ParsePrivateKey(const FileBytes& file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(file.bytes().data(),
                      static_cast<int>(file.bytes().size())),
      &BIO_free);
  if (bio == nullptr) return nullptr;
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  return PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
}

// OpenSSL's last error, as text, and clears the queue.
std::string OpenSslError() {
  const unsigned long error = ERR_get_error();  // NOLINT(runtime/int)
  ERR_clear_error();
  if (error == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(error, text, sizeof(text));
  return text;
}

}  // namespace

absl::Status TlsOptions::Validate() const {
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS needs both a certificate file and a key file; only the ",
        cert_file.empty() ? "key" : "certificate", " file is set"));
  }
  if (handshake_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("TLS handshake_timeout must be positive");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ssl::context>> NewServerTlsContext(
    const TlsOptions& options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (!options.enabled()) {
    return absl::InvalidArgumentError("TLS is not enabled (no files set)");
  }
  FileBytes cert;
  FileBytes key;
  if (absl::Status s = cert.Read("TLS certificate file", options.cert_file);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = key.Read("TLS key file", options.key_file); !s.ok()) {
    return s;
  }

  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  context->set_options(ssl::context::default_workarounds |
                       ssl::context::single_dh_use);
  SSL_CTX_set_options(
      native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return absl::InternalError("cannot require TLS 1.2 or later");
  }
  // Idle keep-alive connections then hold no TLS buffers.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  context->use_certificate_chain(cert.buffer(), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("TLS certificate file \"", options.cert_file,
                     "\": no usable PEM certificate in it (", ec.message(),
                     ")"));
  }
  if (SSL_CTX_get0_certificate(native) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS certificate file \"", options.cert_file,
        "\": no PEM certificate in it"));
  }
  // The key is parsed here, not by use_private_key, so that "no key in the
  // file" and "a key of another certificate" get their own messages.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(ParsePrivateKey(key),
                                                          &EVP_PKEY_free);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS key file \"", options.key_file,
        "\": no unencrypted PEM private key in it (", OpenSslError(), ")"));
  }
  X509* leaf = SSL_CTX_get0_certificate(native);
  if (leaf == nullptr || X509_check_private_key(leaf, pkey.get()) != 1 ||
      SSL_CTX_use_PrivateKey(native, pkey.get()) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS key file \"", options.key_file,
        "\" does not match the certificate in \"", options.cert_file, "\""));
  }
  return context;
}

}  // namespace datamgmt::gateway::http
