// Throwaway TLS certificates for tests, made at test time (no key is ever
// checked in).
//
//   absl::StatusOr<TestCert> cert = WriteSelfSignedCert(testing::TempDir(), "a");
//   ServerOptions options; options.tls = {.cert_file = cert->cert_file,
//                                         .key_file = cert->key_file};
//
// Not thread-safe with respect to the files it writes; otherwise pure.
#ifndef DATAMGMT_GATEWAY_HTTP_TEST_CERTS_H_
#define DATAMGMT_GATEWAY_HTTP_TEST_CERTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::gateway::http {

struct TestCert {
  std::string cert_file;  // PEM certificate
  std::string key_file;   // PEM private key
};

// Writes <dir>/<name>.crt and <dir>/<name>.key: a fresh P-256 key and a
// self-signed certificate for CN=localhost with subjectAltName IP:127.0.0.1
// and DNS:localhost, valid from an hour ago for a day. With
// `key_passphrase` set the key file is encrypted (AES-256-CBC) with it.
// Returns Internal if OpenSSL fails, Unavailable if a file cannot be written.
absl::StatusOr<TestCert> WriteSelfSignedCert(
    const std::string& dir, absl::string_view name,
    absl::string_view key_passphrase = "");

// Writes `contents` to <dir>/<name> and returns the path ("" on failure).
std::string WriteTestFile(const std::string& dir, absl::string_view name,
                          absl::string_view contents);

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_TEST_CERTS_H_
