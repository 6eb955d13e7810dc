// The server over TLS: the same connection code as plain HTTP behind a
// handshake. Keep-alive, server-generated errors and closing inside TLS; what
// a plain-HTTP client, a silent client and an old-TLS client get.
#include <openssl/ssl.h>

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/http/error_response.h"
#include "gateway/http/server.h"
#include "gateway/http/test_certs.h"
#include "gateway/http/test_client.h"
#include "gateway/http/test_handlers.h"
#include "gateway/http/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::http {
namespace {

namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using bhttp::verb;
using ::testing::HasSubstr;

class ServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCert> cert =
        WriteSelfSignedCert(::testing::TempDir(), "server");
    ASSERT_TRUE(cert.ok()) << cert.status();
    cert_ = *cert;
    // The client trusts exactly the test certificate.
    client_tls_.set_verify_mode(ssl::verify_peer);
    client_tls_.load_verify_file(cert_.cert_file);
  }

  ServerOptions TlsOptions() const {
    ServerOptions options = TestOptions();
    options.tls.cert_file = cert_.cert_file;
    options.tls.key_file = cert_.key_file;
    return options;
  }

  std::unique_ptr<TestClient> ConnectTls(int port) {
    absl::StatusOr<std::unique_ptr<TestClient>> client =
        TestClient::ConnectTls(port, client_tls_);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  TestCert cert_;
  ssl::context client_tls_{ssl::context::tls_client};
  EchoHandler handler_;
};

TEST_F(ServerTlsTest, ServesSeveralRequestsOnOneTlsConnection) {
  std::unique_ptr<Server> server = StartServer(TlsOptions(), &handler_);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectTls(server->port());
  ASSERT_NE(client, nullptr);
  std::string remote;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<Response> r =
        client->Send(verb::post, "/v1/echo", absl::StrCat("body ", i));
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->result(), bhttp::status::ok);
    EXPECT_EQ(r->body(), absl::StrCat("body ", i));
    EXPECT_TRUE(r->keep_alive());
    if (i == 0) remote = Header(*r, "X-Remote");
    EXPECT_EQ(Header(*r, "X-Remote"), remote);  // the same connection
  }
  EXPECT_EQ(handler_.calls(), 3);
}

TEST_F(ServerTlsTest, ConnectionCloseEndsTheTlsSessionCleanly) {
  std::unique_ptr<Server> server = StartServer(TlsOptions(), &handler_);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectTls(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client
                  ->WriteRaw("GET /bye HTTP/1.1\r\nHost: t\r\n"
                             "Connection: close\r\n\r\n")
                  .ok());
  // Everything up to the server's close_notify (or close).
  absl::StatusOr<std::string> all = client->ReadUntilClosed();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(absl::StartsWith(*all, "HTTP/1.1 200 OK")) << *all;
  EXPECT_THAT(*all, HasSubstr("/bye"));
}

TEST_F(ServerTlsTest, IncompleteRequestGets408InsideTls) {
  ServerOptions options = TlsOptions();
  options.header_timeout = absl::Milliseconds(300);
  std::unique_ptr<Server> server = StartServer(options, &handler_);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectTls(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->WriteRaw("GET /slow HTTP/1.1\r\nHost: t\r\n").ok());
  absl::StatusOr<Response> r = client->Read();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->result(), bhttp::status::request_timeout);
  EXPECT_EQ(Header(*r, "Connection"), "close");
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(ServerTlsTest, PlainHttpRequestIsClosedWithoutCallingTheHandler) {
  std::unique_ptr<Server> server = StartServer(TlsOptions(), &handler_);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> plain = ConnectClient(server->port());
  ASSERT_NE(plain, nullptr);
  ASSERT_TRUE(plain
                  ->WriteRaw("POST /data HTTP/1.1\r\nHost: t\r\n"
                             "Content-Length: 2\r\n\r\nhi")
                  .ok());
  absl::StatusOr<std::string> all = plain->ReadUntilClosed();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(*all, ::testing::Not(HasSubstr("HTTP/1.1")));
  EXPECT_EQ(handler_.calls(), 0);
}

TEST_F(ServerTlsTest, SilentClientIsClosedAfterTheHandshakeTimeout) {
  ServerOptions options = TlsOptions();
  options.tls.handshake_timeout = absl::Milliseconds(200);
  options.idle_timeout = absl::Seconds(60);
  std::unique_ptr<Server> server = StartServer(options, &handler_);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> silent =
      ConnectClient(server->port(), absl::Seconds(5));
  ASSERT_NE(silent, nullptr);
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> all = silent->ReadUntilClosed();
  ASSERT_TRUE(all.ok()) << all.status();  // closed, not our 5 s timeout
  EXPECT_EQ(*all, "");
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
}

TEST_F(ServerTlsTest, Tls11ClientIsRefused) {
  std::unique_ptr<Server> server = StartServer(TlsOptions(), &handler_);
  ASSERT_NE(server, nullptr);
  ssl::context old{ssl::context::tls_client};
  // Let this client offer TLS 1.1 at all (OpenSSL 3 refuses it by default).
  SSL_CTX_set_security_level(old.native_handle(), 0);
  SSL_CTX_set_min_proto_version(old.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_1_VERSION);
  absl::StatusOr<std::unique_ptr<TestClient>> client =
      TestClient::ConnectTls(server->port(), old);
  EXPECT_EQ(client.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(handler_.calls(), 0);

  // TLS 1.2 exactly is served.
  ssl::context tls12{ssl::context::tls_client};
  SSL_CTX_set_max_proto_version(tls12.native_handle(), TLS1_2_VERSION);
  absl::StatusOr<std::unique_ptr<TestClient>> ok =
      TestClient::ConnectTls(server->port(), tls12);
  ASSERT_TRUE(ok.ok()) << ok.status();
  absl::StatusOr<Response> r = (*ok)->Send(verb::get, "/v1/x");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->result(), bhttp::status::ok);
}

TEST_F(ServerTlsTest, ShutdownClosesIdleTlsConnections) {
  std::unique_ptr<Server> server = StartServer(TlsOptions(), &handler_);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectTls(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->Send(verb::get, "/v1/x").ok());
  const int port = server->port();
  server->Shutdown(absl::Seconds(5));
  EXPECT_TRUE(client->ReadUntilClosed().ok());
  EXPECT_TRUE(RefusedBy(port, absl::Now() + absl::Seconds(5)));
}

TEST_F(ServerTlsTest, StartRefusesUnusableTlsFiles) {
  absl::StatusOr<TestCert> other =
      WriteSelfSignedCert(::testing::TempDir(), "other");
  ASSERT_TRUE(other.ok()) << other.status();
  ServerOptions mismatched = TlsOptions();
  mismatched.tls.key_file = other->key_file;
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(mismatched, &handler_);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(server.status().message(), HasSubstr("does not match"));

  ServerOptions half = TestOptions();
  half.tls.cert_file = cert_.cert_file;
  EXPECT_EQ(half.Validate().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Server::Start(half, &handler_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IsLoopbackHostTest, LoopbackAddressesOnly) {
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]",
        "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "::", "[::]", "10.0.0.1", "192.168.1.2", "example.com",
        ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

}  // namespace
}  // namespace datamgmt::gateway::http
