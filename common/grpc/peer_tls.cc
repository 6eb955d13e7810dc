#include "common/grpc/peer_tls.h"

#include <grpc/grpc_security_constants.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include <vector>

namespace datamgmt {

std::shared_ptr<grpc::ServerCredentials> PeerServerCredentials(
    const TlsIdentity& identity) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_BUT_DONT_VERIFY);
  options.pem_key_cert_pairs.push_back(
      {identity.private_key_pem, identity.certificate_pem});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> PeerChannelCredentials(
    const TlsIdentity& identity) {
  auto provider =
      std::make_shared<grpc::experimental::StaticDataCertificateProvider>(
          std::vector<grpc::experimental::IdentityKeyCertPair>{
              {identity.private_key_pem, identity.certificate_pem}});
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_certificate_provider(std::move(provider));
  options.watch_identity_key_cert_pairs();
  // Self-signed peers: no CA, no host name. The node ID bound to the key is
  // checked per call by the application.
  options.set_verify_server_certs(false);
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  options.set_check_call_host(false);
  return grpc::experimental::TlsCredentials(options);
}

std::optional<absl::string_view> PeerCertificatePem(
    const grpc::AuthContext& auth) {
  const std::vector<grpc::string_ref> certs =
      auth.FindPropertyValues(GRPC_X509_PEM_CERT_PROPERTY_NAME);
  if (certs.empty() || certs.front().empty()) return std::nullopt;
  return absl::string_view(certs.front().data(), certs.front().size());
}

}  // namespace datamgmt
