// The gateway's bearer-token check behind a real HTTP server, against a fake
// DhtService on a real gRPC server: a write without the right token is
// answered 401 and never reaches the backend; reads and probes stay open
// unless asked; 401s are counted. (tests/e2e/gateway_auth_test.sh runs the
// real processes.)
#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/sha256.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/health/v1/health_monitor.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "gateway/auth/auth.h"
#include "gateway/backend/backends.h"
#include "gateway/gateway_handler.h"
#include "gateway/http/server.h"
#include "gateway/http/test_client.h"
#include "gateway/metrics/metrics.h"
#include "gateway/testing/fake_dht.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway {
namespace {

using ::boost::beast::http::verb;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kToken[] = "t0ken-0123456789abcdef";
const http::Headers kOctets = {{"Content-Type", "application/octet-stream"}};

http::Headers WithAuth(std::string value, http::Headers headers = kOctets) {
  headers.emplace_back("Authorization", std::move(value));
  return headers;
}

class GatewayHandlerAuthTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(/*reads=*/false); }

  void TearDown() override { Stop(); }

  void Stop() {
    if (server_ != nullptr) server_->Shutdown(absl::ZeroDuration());
    server_.reset();
  }

  // DhtService on the fake; PeerManager and HealthMonitor on a port where
  // nothing listens (a call that gets through answers 503, not 401).
  void Start(bool reads) {
    Stop();
    if (dht_ == nullptr) {
      absl::StatusOr<std::unique_ptr<FakeDht>> dht = FakeDht::Start();
      ASSERT_TRUE(dht.ok()) << dht.status();
      dht_ = *std::move(dht);
    }
    backends_ = std::make_unique<Backends>(BackendsOptions{
        .addresses = {
            {"datamgmt.dht.v1.DhtService", dht_->address()},
            {"datamgmt.peers.v1.PeerManager", "127.0.0.1:1"},
            {"datamgmt.health.v1.HealthMonitor", "127.0.0.1:1"}}});
    metrics_ = std::make_unique<GatewayMetrics>();
    absl::StatusOr<std::unique_ptr<GatewayHandler>> handler =
        GatewayHandler::Create(
            {.default_timeout = absl::Seconds(2),
             .access_log = false,
             .auth = {.mode = auth::AuthMode::kToken,
                      .token = kToken,
                      .reads = reads}},
            {dht::v1::PutDataRequest::descriptor()->file()->FindServiceByName(
                 "DhtService"),
             peers::v1::Peer::descriptor()->file()->FindServiceByName(
                 "PeerManager"),
             health::v1::CheckRound::descriptor()->file()->FindServiceByName(
                 "HealthMonitor")},
            backends_.get(), metrics_.get());
    ASSERT_TRUE(handler.ok()) << handler.status();
    handler_ = *std::move(handler);
    absl::StatusOr<std::unique_ptr<http::Server>> server =
        http::Server::Start({.host = "127.0.0.1", .port = 0}, handler_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<std::unique_ptr<http::TestClient>> client =
        http::TestClient::Connect(server_->port());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  http::Response Send(verb method, absl::string_view target,
                      std::string body = {},
                      const http::Headers& headers = {}) {
    absl::StatusOr<http::Response> response =
        client_->Send(method, target, std::move(body), headers);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *std::move(response) : http::Response{};
  }

  // A 401 the way grpc-gateway clients expect it.
  static void Expect401(const http::Response& r) {
    EXPECT_EQ(r.result_int(), 401u);
    EXPECT_THAT(http::HeaderOf(r, "WWW-Authenticate"), StartsWith("Bearer"));
    EXPECT_EQ(http::HeaderOf(r, "Content-Type"), "application/json");
    EXPECT_THAT(r.body(), StartsWith(R"({"code":16,"message":")"));
    EXPECT_THAT(r.body(), Not(HasSubstr(kToken)));
  }

  std::unique_ptr<FakeDht> dht_;
  std::unique_ptr<Backends> backends_;
  std::unique_ptr<GatewayMetrics> metrics_;
  std::unique_ptr<GatewayHandler> handler_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::TestClient> client_;
};

TEST_F(GatewayHandlerAuthTest, WriteWithoutTokenIs401AndStoresNothing) {
  http::Response r = Send(verb::post, "/data", "value", kOctets);
  Expect401(r);
  EXPECT_EQ(http::HeaderOf(r, "WWW-Authenticate"),
            R"(Bearer realm="datamgmt-gateway")");
  EXPECT_THAT(r.body(), HasSubstr("missing bearer token"));
  EXPECT_EQ(dht_->stored(), 0u);
  http::Response get =
      Send(verb::get, absl::StrCat("/data/", crypto::Sha256Hex("value")));
  EXPECT_EQ(get.result_int(), 404u);
}

TEST_F(GatewayHandlerAuthTest, WrongTokenIs401InvalidToken) {
  for (const std::string& wrong :
       {std::string("Bearer nope"),
        absl::StrCat("Bearer ", kToken, "x"),                   // longer
        absl::StrCat("Bearer ", std::string(kToken).substr(1)),  // shorter
        std::string("Bearer T0KEN-0123456789ABCDEF")}) {
    http::Response r = Send(verb::post, "/data", "value", WithAuth(wrong));
    Expect401(r);
    EXPECT_EQ(http::HeaderOf(r, "WWW-Authenticate"),
              R"(Bearer realm="datamgmt-gateway", error="invalid_token")")
        << wrong;
  }
  // Not a Bearer credential at all: as if there were none.
  Expect401(Send(verb::post, "/data", "value",
                 WithAuth(absl::StrCat("Basic ", kToken))));
  EXPECT_EQ(dht_->stored(), 0u);
}

TEST_F(GatewayHandlerAuthTest, RightTokenWrites) {
  http::Response r = Send(verb::post, "/data", "value",
                          WithAuth(absl::StrCat("Bearer ", kToken)));
  EXPECT_EQ(r.result_int(), 201u);
  EXPECT_THAT(r.body(), HasSubstr(crypto::Sha256Hex("value")));
  http::Response relaxed = Send(verb::post, "/data", "other",
                                WithAuth(absl::StrCat("  bEaReR   ", kToken)));
  EXPECT_EQ(relaxed.result_int(), 201u);
  EXPECT_EQ(dht_->stored(), 2u);
}

TEST_F(GatewayHandlerAuthTest, TheTokenIsNotForwardedToTheBackend) {
  ASSERT_EQ(Send(verb::post, "/data", "value",
                 WithAuth(absl::StrCat("Bearer ", kToken)))
                .result_int(),
            201u);
  const Metadata sent = dht_->last_metadata();
  for (const auto& [key, value] : sent) {
    EXPECT_NE(key, "authorization");
    EXPECT_THAT(value, Not(HasSubstr(kToken)));
  }
}

TEST_F(GatewayHandlerAuthTest, ReadsAndProbesAreOpenByDefault) {
  EXPECT_EQ(Send(verb::get, "/network/stats").result_int(), 200u);
  EXPECT_EQ(Send(verb::head, "/network/stats").result_int(), 200u);
  // A wrong token on an open read changes nothing.
  EXPECT_EQ(Send(verb::get, "/network/stats", {}, WithAuth("Bearer x", {}))
                .result_int(),
            200u);
  EXPECT_EQ(Send(verb::get, "/healthz").result_int(), 200u);
  EXPECT_EQ(Send(verb::get, "/metrics").result_int(), 200u);
  EXPECT_EQ(Send(verb::get, "/openapi.json").result_int(), 200u);
  EXPECT_NE(Send(verb::get, "/readyz").result_int(), 401u);
}

TEST_F(GatewayHandlerAuthTest, AuthReadsClosesReadsButNotProbes) {
  Start(/*reads=*/true);
  Expect401(Send(verb::get, "/network/stats"));
  http::Response head = Send(verb::head, "/network/stats");
  EXPECT_EQ(head.result_int(), 401u);  // HEAD: no body
  EXPECT_THAT(http::HeaderOf(head, "WWW-Authenticate"), StartsWith("Bearer"));
  Expect401(Send(verb::get, "/openapi.json"));
  Expect401(Send(verb::get, "/no/such/route"));
  EXPECT_EQ(Send(verb::get, "/network/stats", {},
                 WithAuth(absl::StrCat("Bearer ", kToken), {}))
                .result_int(),
            200u);
  EXPECT_EQ(Send(verb::get, "/healthz").result_int(), 200u);
  EXPECT_EQ(Send(verb::get, "/metrics").result_int(), 200u);
  EXPECT_NE(Send(verb::get, "/readyz").result_int(), 401u);
}

TEST_F(GatewayHandlerAuthTest, AdministrativeRoutesNeedTheToken) {
  Expect401(Send(verb::post, "/v1/peers", R"({"address":"127.0.0.1:7000"})",
                 {{"Content-Type", "application/json"}}));
  Expect401(Send(verb::delete_, "/v1/peers/127.0.0.1:7000"));
  Expect401(Send(verb::post, "/v1/health-monitor:runCheck", "{}",
                 {{"Content-Type", "application/json"}}));
  Expect401(Send(verb::post, "/v1/peers:merge", "{}",
                 {{"Content-Type", "application/json"}}));
  // With the token they get through to the (absent) backend.
  http::Response r =
      Send(verb::post, "/v1/health-monitor:runCheck", "{}",
           WithAuth(absl::StrCat("Bearer ", kToken),
                    {{"Content-Type", "application/json"}}));
  EXPECT_EQ(r.result_int(), 503u);
  const std::string metrics = metrics_->Serialize();
  EXPECT_THAT(metrics, Not(HasSubstr("PeerManager.AddPeer")));
  EXPECT_THAT(metrics, HasSubstr("HealthMonitor.RunCheck"));
}

TEST_F(GatewayHandlerAuthTest, UnknownRoutesAndMethodsAre401BeforeRouting) {
  // Without the token a client cannot tell which write routes exist.
  Expect401(Send(verb::post, "/no/such/route"));
  Expect401(Send(verb::put, "/network/stats"));
  Expect401(Send(verb::delete_, "/data"));
  // Reads of unknown routes are still 404; with the token, 405 and 404.
  EXPECT_EQ(Send(verb::get, "/no/such/route").result_int(), 404u);
  const http::Headers auth = WithAuth(absl::StrCat("Bearer ", kToken), {});
  EXPECT_EQ(Send(verb::put, "/network/stats", {}, auth).result_int(), 405u);
  EXPECT_EQ(Send(verb::post, "/no/such/route", {}, auth).result_int(), 404u);
  // The probes answer their own 405 to writes.
  EXPECT_EQ(Send(verb::post, "/healthz").result_int(), 405u);
}

TEST_F(GatewayHandlerAuthTest, SeveralAuthorizationHeadersAre401) {
  // TestClient sets headers with set(), which replaces; write it raw.
  ASSERT_TRUE(client_
                  ->WriteRaw(absl::StrCat(
                      "POST /data HTTP/1.1\r\nHost: t\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      "Authorization: Bearer ", kToken, "\r\n"
                      "Authorization: Bearer ", kToken, "\r\n"
                      "Content-Length: 5\r\n\r\nvalue"))
                  .ok());
  absl::StatusOr<http::Response> r = client_->Read();
  ASSERT_TRUE(r.ok()) << r.status();
  Expect401(*r);
  EXPECT_EQ(dht_->stored(), 0u);
}

TEST_F(GatewayHandlerAuthTest, MetricsCount401sByRouteAndReason) {
  Send(verb::post, "/data", "a", kOctets);
  Send(verb::post, "/data", "b", WithAuth("Bearer wrong"));
  Send(verb::post, "/data", "c", WithAuth("Bearer wrong"));
  http::Response r = Send(verb::get, "/metrics");
  EXPECT_THAT(r.body(), HasSubstr(R"(datamgmt_gateway_http_requests_total{code="401",method="POST",route="/data"} 3)"));
  EXPECT_THAT(r.body(), HasSubstr(R"(datamgmt_gateway_auth_failures_total{reason="missing"} 1)"));
  EXPECT_THAT(r.body(), HasSubstr(R"(datamgmt_gateway_auth_failures_total{reason="invalid"} 2)"));
  EXPECT_THAT(r.body(), Not(HasSubstr("DhtService.PutData")));  // no call
  EXPECT_THAT(r.body(), Not(HasSubstr(kToken)));
}

TEST(GatewayHandlerAuthCreateTest, TokenModeWithoutTokenIsRefused) {
  Backends backends({.addresses = {{"datamgmt.dht.v1.DhtService", "x:1"}}});
  GatewayMetrics metrics;
  absl::StatusOr<std::unique_ptr<GatewayHandler>> handler =
      GatewayHandler::Create(
          {}, {dht::v1::PutDataRequest::descriptor()->file()->FindServiceByName(
                  "DhtService")},
          &backends, &metrics);
  EXPECT_EQ(handler.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(handler.status().message(), HasSubstr("needs a token"));
}

}  // namespace
}  // namespace datamgmt::gateway
