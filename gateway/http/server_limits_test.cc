// What the server answers by itself: size limits, malformed requests,
// timeouts, 100-continue and the connection limit.
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/http/error_response.h"
#include "gateway/http/server.h"
#include "gateway/http/test_client.h"
#include "gateway/http/test_handlers.h"
#include "gateway/http/test_util.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::http {
namespace {

namespace bhttp = boost::beast::http;
using bhttp::verb;

// Checks a server-generated error: status, JSON body, Connection: close.
void ExpectError(const absl::StatusOr<Response>& r, bhttp::status status,
                 absl::StatusCode code, absl::string_view message) {
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->result(), status);
  EXPECT_EQ(Header(*r, "Content-Type"), "application/json");
  EXPECT_EQ(Header(*r, "Connection"), "close");
  EXPECT_EQ(Header(*r, "Server"), "datamgmt-gateway");
  EXPECT_EQ(r->body(), ErrorJson(code, message));
}

TEST(ServerLimitsTest, OversizedBodyGets413WithoutCallingHandler) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  ExpectError(client->Send(verb::post, "/v1/data", std::string(1025, 'x')),
              bhttp::status::payload_too_large,
              absl::StatusCode::kResourceExhausted,
              "request body exceeds 1024 bytes");
  EXPECT_FALSE(client->is_open());

  // A body of exactly the limit is accepted.
  client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  absl::StatusOr<Response> r =
      client->Send(verb::post, "/v1/data", std::string(1024, 'y'));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->result(), bhttp::status::ok);
  EXPECT_EQ(handler.calls(), 1);
}

TEST(ServerLimitsTest, OversizedChunkedBodyGets413) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client
                  ->WriteRaw("POST / HTTP/1.1\r\nHost: t\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n"
                             "800\r\n" +
                             std::string(0x800, 'z') + "\r\n0\r\n\r\n")
                  .ok());
  ExpectError(client->Read(), bhttp::status::payload_too_large,
              absl::StatusCode::kResourceExhausted,
              "request body exceeds 1024 bytes");
  EXPECT_EQ(handler.calls(), 0);
}

TEST(ServerLimitsTest, DeclaredOversizedBodyWith100ContinueGets413AtOnce) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.max_body_bytes = 1024;
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client
                  ->WriteRaw("PUT /up HTTP/1.1\r\nHost: t\r\n"
                             "Content-Length: 1000000\r\n"
                             "Expect: 100-continue\r\n\r\n")
                  .ok());
  // The final answer, not "100 Continue", and without the body being sent.
  ExpectError(client->Read(), bhttp::status::payload_too_large,
              absl::StatusCode::kResourceExhausted,
              "request body exceeds 1024 bytes");
  EXPECT_EQ(handler.calls(), 0);
}

TEST(ServerLimitsTest, OversizedHeaderGets431) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  ExpectError(client->Send(verb::get, "/", "",
                           {{"X-Big", std::string(2000, 'h')}}),
              bhttp::status::request_header_fields_too_large,
              absl::StatusCode::kResourceExhausted,
              "request header exceeds 1024 bytes");
  EXPECT_EQ(handler.calls(), 0);
}

TEST(ServerLimitsTest, MalformedRequestGets400) {
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  for (const char* bad :
       {"NOT AN HTTP REQUEST\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: ten\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    std::unique_ptr<TestClient> client = ConnectClient(server->port());
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(client->WriteRaw(bad).ok());
    absl::StatusOr<Response> r = client->Read();
    ASSERT_TRUE(r.ok()) << r.status() << " for " << bad;
    EXPECT_EQ(r->result(), bhttp::status::bad_request) << bad;
    EXPECT_EQ(Header(*r, "Connection"), "close");
    EXPECT_TRUE(absl::StartsWith(
        r->body(), R"({"code":3,"message":"malformed HTTP request: )"))
        << r->body();
  }
  EXPECT_EQ(handler.calls(), 0);
}

TEST(ServerLimitsTest, IdleConnectionIsClosedSilently) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.idle_timeout = absl::Milliseconds(200);
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);

  // After a request...
  std::unique_ptr<TestClient> used = ConnectClient(server->port());
  ASSERT_NE(used, nullptr);
  ASSERT_TRUE(used->Send(verb::get, "/").ok());
  const absl::Time start = absl::Now();
  absl::StatusOr<std::string> rest = used->ReadUntilClosed();
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(*rest, "");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(150));

  // ...and before any.
  std::unique_ptr<TestClient> silent = ConnectClient(server->port());
  ASSERT_NE(silent, nullptr);
  rest = silent->ReadUntilClosed();
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(*rest, "");
}

TEST(ServerLimitsTest, SlowHeaderGets408AndClose) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.header_timeout = absl::Milliseconds(300);
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client =
      ConnectClient(server->port(), absl::Seconds(5));
  ASSERT_NE(client, nullptr);
  const absl::Time start = absl::Now();
  ASSERT_TRUE(client->WriteRaw("GET /slow HTTP/1.1\r\nHost: t\r\n").ok());
  absl::StatusOr<std::string> all = client->ReadUntilClosed();
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(all.ok()) << all.status();  // closed within the 5 s timeout
  EXPECT_TRUE(absl::StartsWith(*all, "HTTP/1.1 408 Request Timeout\r\n"))
      << *all;
  EXPECT_TRUE(absl::EndsWith(
      *all, ErrorJson(absl::StatusCode::kDeadlineExceeded,
                      "request not complete within 300ms")))
      << *all;
  EXPECT_GE(took, absl::Milliseconds(250));
  EXPECT_EQ(handler.calls(), 0);
}

TEST(ServerLimitsTest, SlowBodyGets408AndClose) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.header_timeout = absl::Milliseconds(300);
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client =
      ConnectClient(server->port(), absl::Seconds(5));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client
                  ->WriteRaw("POST / HTTP/1.1\r\nHost: t\r\n"
                             "Content-Length: 10\r\n\r\nhalf")
                  .ok());
  absl::StatusOr<std::string> all = client->ReadUntilClosed();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(absl::StartsWith(*all, "HTTP/1.1 408 ")) << *all;
  EXPECT_EQ(handler.calls(), 0);
}

TEST(ServerLimitsTest, Expect100ContinueGetsContinueBeforeBody) {
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  const std::string body(64 * 1024, 'b');
  ASSERT_TRUE(client
                  ->WriteRaw(absl::StrCat("PUT /upload HTTP/1.1\r\nHost: t\r\n"
                                          "Content-Length: ",
                                          body.size(),
                                          "\r\nExpect: 100-continue\r\n\r\n"))
                  .ok());
  absl::StatusOr<Response> interim = client->Read();
  ASSERT_TRUE(interim.ok()) << interim.status();
  EXPECT_EQ(interim->result(), bhttp::status::continue_);
  ASSERT_TRUE(client->WriteRaw(body).ok());
  absl::StatusOr<Response> r = client->Read();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->result(), bhttp::status::ok);
  EXPECT_EQ(r->body().size(), body.size());

  // A client that sends the body without waiting is served too.
  r = client->Send(verb::put, "/upload", body,
                   {{"Expect", "100-continue"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body().size(), body.size());
}

TEST(ServerLimitsTest, ConnectionsBeyondMaxAreClosed) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.max_connections = 2;
  std::unique_ptr<Server> server = StartServer(options, &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> first = ConnectClient(server->port());
  std::unique_ptr<TestClient> second = ConnectClient(server->port());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(first->Send(verb::get, "/").ok());   // both registered
  ASSERT_TRUE(second->Send(verb::get, "/").ok());
  std::unique_ptr<TestClient> third = ConnectClient(server->port());
  ASSERT_NE(third, nullptr);
  absl::StatusOr<std::string> rest = third->ReadUntilClosed();
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(*rest, "");
  EXPECT_TRUE(first->Send(verb::get, "/still").ok());
}

}  // namespace
}  // namespace datamgmt::gateway::http
