#include "common/grpc/peer_tls.h"

#include <grpcpp/security/tls_credentials_options.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/crypto/node_key.h"
#include "common/grpc/server.h"
#include "echo.grpc.pb.h"
#include "gtest/gtest.h"

namespace datamgmt {
namespace {

using testing::v1::Echo;
using testing::v1::EchoRequest;
using testing::v1::EchoResponse;

// Echoes, and remembers the certificate the caller presented.
class CertEchoService final : public Echo::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const EchoRequest* req,
                                 EchoResponse* resp) override {
    {
      absl::MutexLock lock(&mu_);
      ++calls_;
      std::optional<absl::string_view> pem =
          PeerCertificatePem(*ctx->auth_context());
      client_cert_ = pem.has_value() ? std::string(*pem) : "";
    }
    resp->set_message(req->message());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::string client_cert() const {
    absl::MutexLock lock(&mu_);
    return client_cert_;
  }

 private:
  mutable absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::string client_cert_ ABSL_GUARDED_BY(mu_);
};

TlsIdentity NewIdentity(crypto::Sha256Digest* id = nullptr) {
  absl::StatusOr<crypto::NodeKey> key = crypto::NodeKey::Generate();
  EXPECT_TRUE(key.ok());
  absl::StatusOr<std::string> cert = key->SelfSignedCertificatePem(absl::Now());
  EXPECT_TRUE(cert.ok());
  if (id != nullptr) *id = key->Id();
  return {.private_key_pem = key->PrivateKeyPem(), .certificate_pem = *cert};
}

class PeerTlsTest : public ::testing::Test {
 protected:
  void StartServer(std::shared_ptr<grpc::ServerCredentials> credentials) {
    absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
        {.listen_address = "127.0.0.1:0",
         .shutdown_grace = absl::Seconds(1),
         .credentials = std::move(credentials)},
        {{&service_, std::string(Echo::service_full_name())}});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // One Echo call with a 5 s deadline; `server_cert` gets the certificate
  // the server presented ("" if none).
  grpc::Status Call(std::shared_ptr<grpc::ChannelCredentials> credentials,
                    std::string* server_cert = nullptr) {
    grpc::ChannelArguments args;
    // As ChannelCache sends it: the name in every node certificate.
    args.SetSslTargetNameOverride(crypto::kCertificateDnsName);
    auto stub = Echo::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("127.0.0.1:", server_->port()), credentials, args));
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    EchoRequest req;
    req.set_message("hi");
    EchoResponse resp;
    grpc::Status status = stub->Echo(&ctx, req, &resp);
    if (server_cert != nullptr) {
      std::optional<absl::string_view> pem =
          PeerCertificatePem(*ctx.auth_context());
      *server_cert = pem.has_value() ? std::string(*pem) : "";
    }
    if (status.ok()) {
      EXPECT_EQ(resp.message(), "hi");
    }
    return status;
  }

  CertEchoService service_;
  std::unique_ptr<GrpcServer> server_;
};

TEST_F(PeerTlsTest, BothSidesSeeTheOtherSelfSignedCertificate) {
  crypto::Sha256Digest server_id, client_id;
  const TlsIdentity server = NewIdentity(&server_id);
  const TlsIdentity client = NewIdentity(&client_id);
  StartServer(PeerServerCredentials(server));
  std::string seen_by_client;
  ASSERT_TRUE(Call(PeerChannelCredentials(client), &seen_by_client).ok());
  EXPECT_EQ(*crypto::CertificateKeyId(seen_by_client), server_id);
  EXPECT_EQ(*crypto::CertificateKeyId(service_.client_cert()), client_id);
}

TEST_F(PeerTlsTest, PlaintextClientCannotTalkToATlsServer) {
  StartServer(PeerServerCredentials(NewIdentity()));
  grpc::Status s = Call(grpc::InsecureChannelCredentials());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(PeerTlsTest, TlsClientCannotTalkToAPlaintextServer) {
  StartServer(nullptr);
  grpc::Status s = Call(PeerChannelCredentials(NewIdentity()));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << s.error_message();
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(PeerTlsTest, ClientWithoutACertificateIsRefused) {
  StartServer(PeerServerCredentials(NewIdentity()));
  grpc::experimental::TlsChannelCredentialsOptions options;
  options.set_verify_server_certs(false);
  options.set_certificate_verifier(
      std::make_shared<grpc::experimental::NoOpCertificateVerifier>());
  options.set_check_call_host(false);
  grpc::Status s = Call(grpc::experimental::TlsCredentials(options));
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(service_.calls(), 0);
}

TEST_F(PeerTlsTest, PlaintextCallsCarryNoCertificate) {
  StartServer(nullptr);
  std::string seen_by_client = "unset";
  ASSERT_TRUE(Call(grpc::InsecureChannelCredentials(), &seen_by_client).ok());
  EXPECT_EQ(seen_by_client, "");
  EXPECT_EQ(service_.client_cert(), "");
}

}  // namespace
}  // namespace datamgmt
