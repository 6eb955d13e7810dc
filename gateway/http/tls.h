// TLS for the gateway's HTTP server: the options and the server-side OpenSSL
// context built from them (certificate chain and private key in PEM files).
//
//   TlsOptions tls{.cert_file = "/etc/gw/tls.crt",
//                  .key_file = "/etc/gw/tls.key"};
//   absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> context =
//       NewServerTlsContext(tls);
//   if (!context.ok()) return context.status();  // e.g. key does not match
//
// The context accepts TLS 1.2 and 1.3 only, never asks for a key passphrase
// (an encrypted key is refused) and refuses renegotiation. Thread-safe (pure
// functions); the returned context is shared by every connection.
#ifndef DATAMGMT_GATEWAY_HTTP_TLS_H_
#define DATAMGMT_GATEWAY_HTTP_TLS_H_

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamgmt::gateway::http {

struct TlsOptions {
  // PEM certificate chain, the server's own certificate first. Both files
  // set: HTTPS only; neither: plain HTTP. Default: "" (plain HTTP).
  std::string cert_file = "";
  // PEM private key (unencrypted) of that certificate. Default: "".
  std::string key_file = "";
  // A new connection that has not completed the TLS handshake after this is
  // closed. Default: 10 s.
  absl::Duration handshake_timeout = absl::Seconds(10);

  // Whether TLS is asked for (either file set; Validate wants both).
  bool enabled() const { return !cert_file.empty() || !key_file.empty(); }

  // InvalidArgument if exactly one of the files is set or the handshake
  // timeout is not positive. Does not read the files.
  absl::Status Validate() const;
};

// Reads and checks both files. Returns InvalidArgument naming the file and
// the problem: TLS not enabled, a file that cannot be read, no PEM
// certificate or key in it (or an encrypted key), or a key that does not
// belong to the certificate.
absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> NewServerTlsContext(
    const TlsOptions& options);

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_TLS_H_
