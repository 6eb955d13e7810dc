// Mutual TLS between nodes whose certificates are self-signed: each side
// presents its own certificate and requires one from the other, and neither
// checks it against a CA or a host name at the TLS layer. TLS proves that the
// peer holds the private key of the certificate it presented; what that key
// stands for (a node ID) is checked by the application, from the call's
// AuthContext (PeerCertificatePem).
//
//   TlsIdentity me{.private_key_pem = key.PrivateKeyPem(),
//                  .certificate_pem = *key.SelfSignedCertificatePem(now)};
//   GrpcServer::Start({.listen_address = "0.0.0.0:8000",
//                      .credentials = PeerServerCredentials(me)}, ...);
//   ChannelCache channels({.credentials = PeerChannelCredentials(me)});
//   ...
//   // In a handler, or after a client call:
//   std::optional<std::string> pem = PeerCertificatePem(*ctx->auth_context());
//
// A plaintext client cannot talk to such a server (the handshake fails: the
// call ends UNAVAILABLE), nor a TLS client to a plaintext server.
//
// Uses gRPC 1.51's experimental TlsChannelCredentialsOptions for the client
// (SslCredentials always verifies the server against roots). Thread-safe.
#ifndef DATAMGMT_COMMON_GRPC_PEER_TLS_H_
#define DATAMGMT_COMMON_GRPC_PEER_TLS_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_context.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace datamgmt {

// A TLS identity: a PEM private key and the PEM certificate of its public
// key.
struct TlsIdentity {
  std::string private_key_pem;
  std::string certificate_pem;
};

// Server credentials presenting `identity` and requiring a client
// certificate, any client certificate (GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_
// CERTIFICATE_BUT_DONT_VERIFY). TLS 1.2 or 1.3.
std::shared_ptr<grpc::ServerCredentials> PeerServerCredentials(
    const TlsIdentity& identity);

// Channel credentials presenting `identity` and accepting any server
// certificate, whatever the host name dialled. Channels should send the
// name in the server's certificate as SNI (ChannelCacheOptions::
// ssl_target_name_override = crypto::kCertificateDnsName for node
// certificates); otherwise gRPC's server logs "No match found for server
// name" on every handshake.
std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentials(
    const TlsIdentity& identity);

// The PEM certificate the peer presented on the call of `auth` (gRPC's
// "x509_pem_cert" property), or nullopt if it presented none (a plaintext
// call).
std::optional<absl::string_view> PeerCertificatePem(
    const grpc::AuthContext& auth);

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_GRPC_PEER_TLS_H_
