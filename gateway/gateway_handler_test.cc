// The gateway's handler behind a real HTTP server, against a fake DhtService
// on a real gRPC server: transcoding, errors, metadata, deadlines, the
// gateway's own endpoints. (tests/e2e/gateway_test.sh runs the real
// processes.)
#include "gateway/gateway_handler.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/sha256.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "gateway/backend/backends.h"
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

const google::protobuf::ServiceDescriptor* DhtServiceDescriptor() {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      dht::v1::DhtService::service_full_name());
}

class GatewayHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FakeDht>> dht = FakeDht::Start();
    ASSERT_TRUE(dht.ok()) << dht.status();
    dht_ = *std::move(dht);
    backends_ = std::make_unique<Backends>(BackendsOptions{
        .addresses = {{"datamgmt.dht.v1.DhtService", dht_->address()}}});
    absl::StatusOr<std::unique_ptr<GatewayHandler>> handler =
        GatewayHandler::Create({.default_timeout = absl::Seconds(10),
                                .access_log = false,
                                .auth = {.mode = auth::AuthMode::kOff}},
                               {DhtServiceDescriptor()}, backends_.get(),
                               &metrics_);
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

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::ZeroDuration());
  }

  http::Response Send(verb method, absl::string_view target,
                      std::string body = {},
                      const http::Headers& headers = {}) {
    absl::StatusOr<http::Response> response =
        client_->Send(method, target, std::move(body), headers);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *std::move(response) : http::Response{};
  }

  std::unique_ptr<FakeDht> dht_;
  std::unique_ptr<Backends> backends_;
  GatewayMetrics metrics_;
  std::unique_ptr<GatewayHandler> handler_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::TestClient> client_;
};

std::string AllByteValues() {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  return bytes;
}

TEST_F(GatewayHandlerTest, RawBytesRoundTripWith201AndETag) {
  const std::string bytes = AllByteValues();
  const std::string hash = crypto::Sha256Hex(bytes);
  http::Response put = Send(verb::post, "/data", bytes,
                            {{"Content-Type", "application/octet-stream"}});
  EXPECT_EQ(put.result_int(), 201u);
  EXPECT_EQ(put.body(), absl::StrCat(R"({"hash":")", hash,
                                     R"(","size":256,"replicas":1})"));
  EXPECT_EQ(http::HeaderOf(put, "Content-Type"), "application/json");

  http::Response get = Send(verb::get, absl::StrCat("/data/", hash));
  EXPECT_EQ(get.result_int(), 200u);
  EXPECT_EQ(get.body(), bytes);
  EXPECT_EQ(http::HeaderOf(get, "Content-Type"), "application/octet-stream");
  EXPECT_EQ(http::HeaderOf(get, "ETag"), absl::StrCat("\"", hash, "\""));

  http::Response again = Send(verb::get, absl::StrCat("/data/", hash), {},
                              {{"If-None-Match", http::HeaderOf(get, "ETag")}});
  EXPECT_EQ(again.result_int(), 304u);
  EXPECT_EQ(again.body(), "");
}

TEST_F(GatewayHandlerTest, JsonBase64PutStoresTheDecodedBytes) {
  http::Response put = Send(verb::post, "/data", R"({"data":"aGVsbG8="})",
                            {{"Content-Type", "application/json"}});
  EXPECT_EQ(put.result_int(), 201u);
  EXPECT_THAT(put.body(), HasSubstr(crypto::Sha256Hex("hello")));
  EXPECT_THAT(put.body(), HasSubstr(R"("size":5)"));
}

TEST_F(GatewayHandlerTest, NetworkStatsHaveTheSeedShape) {
  dht::v1::NetworkStats stats;
  stats.set_total_peers(15);
  stats.set_healthy_peers(12);
  stats.set_data_sent(10485760);
  stats.set_data_received(5242880);
  stats.set_uptime(86400);
  dht_->set_stats(stats);
  http::Response r = Send(verb::get, "/network/stats");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(),
            R"({"total_peers":15,"healthy_peers":12,"data_sent":10485760,)"
            R"("data_received":5242880,"uptime":86400})");
}

TEST_F(GatewayHandlerTest, OtherMessagesKeepProto3JsonStrings) {
  http::Response r = Send(verb::get, "/v1/dht/stats");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_THAT(r.body(), HasSubstr(R"("stored_bytes":"1099511627776")"));
}

TEST_F(GatewayHandlerTest, ErrorsAreStatusJsonWithGrpcGatewayCodes) {
  http::Response not_found =
      Send(verb::get, absl::StrCat("/data/", std::string(64, '0')));
  EXPECT_EQ(not_found.result_int(), 404u);
  EXPECT_EQ(not_found.body(),
            R"({"code":5,"message":"Data not found","details":[]})");

  http::Response bad_hash = Send(verb::get, "/data/xyz");
  EXPECT_EQ(bad_hash.result_int(), 400u);
  EXPECT_THAT(bad_hash.body(), HasSubstr(R"({"code":3,)"));

  http::Response bad_json = Send(verb::post, "/data", R"({"data":)",
                                 {{"Content-Type", "application/json"}});
  EXPECT_EQ(bad_json.result_int(), 400u);
  EXPECT_THAT(bad_json.body(), HasSubstr(R"("code":3)"));

  http::Response no_route = Send(verb::get, "/nope");
  EXPECT_EQ(no_route.result_int(), 404u);
  EXPECT_EQ(no_route.body(), R"({"code":5,"message":"Not Found","details":[]})");

  http::Response wrong_method = Send(verb::put, "/network/stats");
  EXPECT_EQ(wrong_method.result_int(), 405u);
  EXPECT_EQ(http::HeaderOf(wrong_method, "Allow"), "GET");
  EXPECT_THAT(wrong_method.body(), HasSubstr(R"("code":12)"));
  EXPECT_EQ(dht_->stored(), 0u);
}

// With auth off the Authorization header is the client's business with the
// backend (gateway_handler_auth_test: with auth on it is not forwarded).
TEST_F(GatewayHandlerTest, GrpcMetadataHeadersAndAuthorizationPassThrough) {
  Send(verb::get, "/network/stats", {},
       {{"Grpc-Metadata-X-Trace-Id", "trace-7"},
        {"Authorization", "Bearer t0ken"},
        {"X-Not-Forwarded", "no"}});
  const Metadata sent = dht_->last_metadata();
  auto has = [&](const std::string& key, const std::string& value) {
    return std::find(sent.begin(), sent.end(), std::make_pair(key, value)) !=
           sent.end();
  };
  EXPECT_TRUE(has("x-trace-id", "trace-7"));
  EXPECT_TRUE(has("authorization", "Bearer t0ken"));
  EXPECT_TRUE(has("x-forwarded-for", "127.0.0.1"));
  for (const auto& [key, value] : sent) EXPECT_NE(key, "x-not-forwarded");
}

TEST_F(GatewayHandlerTest, GrpcTimeoutBoundsASlowBackendWith504) {
  dht_->set_hold_dht_stats(true);
  http::Response r =
      Send(verb::get, "/v1/dht/stats", {}, {{"Grpc-Timeout", "200m"}});
  EXPECT_EQ(r.result_int(), 504u);
  EXPECT_THAT(r.body(), HasSubstr(R"("code":4)"));
  http::Response bad =
      Send(verb::get, "/v1/dht/stats", {}, {{"Grpc-Timeout", "soon"}});
  EXPECT_EQ(bad.result_int(), 400u);
}

TEST_F(GatewayHandlerTest, BackendDownIs503AndNotReady) {
  http::Response ready = Send(verb::get, "/readyz");
  EXPECT_EQ(ready.result_int(), 200u);
  EXPECT_THAT(ready.body(), HasSubstr(R"("status":"ready")"));
  dht_->Stop();
  http::Response r = Send(verb::get, "/network/stats");
  EXPECT_EQ(r.result_int(), 503u);
  EXPECT_THAT(r.body(), HasSubstr(R"("code":14)"));
  http::Response not_ready = Send(verb::get, "/readyz");
  EXPECT_EQ(not_ready.result_int(), 503u);
  EXPECT_THAT(not_ready.body(), HasSubstr("UNREACHABLE"));
}

TEST_F(GatewayHandlerTest, DrainingGatewayIsNotReadyButAlive) {
  handler_->SetDraining();
  EXPECT_EQ(Send(verb::get, "/readyz").result_int(), 503u);
  http::Response alive = Send(verb::get, "/healthz");
  EXPECT_EQ(alive.result_int(), 200u);
  EXPECT_EQ(alive.body(), R"({"status":"ok"})");
}

TEST_F(GatewayHandlerTest, OwnEndpointsAllowOnlyGetAndHead) {
  http::Response post = Send(verb::post, "/healthz");
  EXPECT_EQ(post.result_int(), 405u);
  EXPECT_EQ(http::HeaderOf(post, "Allow"), "GET, HEAD");
  http::Response openapi = Send(verb::get, "/openapi.json");
  EXPECT_EQ(openapi.result_int(), 200u);
  EXPECT_THAT(openapi.body(), HasSubstr(R"("/network/stats")"));
}

TEST_F(GatewayHandlerTest, MetricsCountRequestsAndBackendCalls) {
  Send(verb::get, "/network/stats");
  Send(verb::get, "/network/stats");
  Send(verb::get, "/nope");
  http::Response r = Send(verb::get, "/metrics");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_THAT(http::HeaderOf(r, "Content-Type"), HasSubstr("text/plain"));
  EXPECT_THAT(r.body(), HasSubstr(R"(datamgmt_gateway_http_requests_total{code="200",method="GET",route="/network/stats"} 2)"));
  EXPECT_THAT(r.body(), HasSubstr(R"(datamgmt_gateway_http_requests_total{code="404",method="GET",route="unmatched"} 1)"));
  EXPECT_THAT(r.body(), HasSubstr(R"(datamgmt_gateway_backend_calls_total{code="OK",method="datamgmt.dht.v1.DhtService.GetNetworkStats"} 2)"));
}

TEST(GatewayHandlerCreateTest, EveryServiceNeedsABackendAddress) {
  Backends backends({});
  GatewayMetrics metrics;
  absl::StatusOr<std::unique_ptr<GatewayHandler>> handler =
      GatewayHandler::Create({.auth = {.mode = auth::AuthMode::kOff}},
                             {DhtServiceDescriptor()}, &backends, &metrics);
  EXPECT_EQ(handler.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(handler.status().message(),
              HasSubstr("datamgmt.dht.v1.DhtService"));
}

}  // namespace
}  // namespace datamgmt::gateway
