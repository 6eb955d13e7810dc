#include "gateway/metrics/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(GatewayMetricsTest, CountsRequestsByRouteMethodAndCode) {
  GatewayMetrics metrics;
  metrics.RecordRequest("/data/{hash}", "GET", 200, absl::Microseconds(300));
  metrics.RecordRequest("/data/{hash}", "GET", 200, absl::Milliseconds(2));
  metrics.RecordRequest("/data/{hash}", "GET", 404, absl::Milliseconds(1));
  const std::string text = metrics.Serialize();
  EXPECT_THAT(text, HasSubstr("# TYPE datamgmt_gateway_http_requests_total "
                              "counter"));
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_requests_total{code="200",method="GET",route="/data/{hash}"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_requests_total{code="404",method="GET",route="/data/{hash}"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_request_duration_seconds_count{method="GET",route="/data/{hash}"} 3)"));
  // 300 us falls in the 0.0005 bucket, not the 0.00025 one.
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_request_duration_seconds_bucket{method="GET",route="/data/{hash}",le="0.00025"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_request_duration_seconds_bucket{method="GET",route="/data/{hash}",le="0.0005"} 1)"));
}

TEST(GatewayMetricsTest, CountsAuthFailuresByReason) {
  GatewayMetrics metrics;
  EXPECT_THAT(metrics.Serialize(),
              HasSubstr(R"(datamgmt_gateway_auth_failures_total{reason="missing"} 0)"));
  metrics.RecordAuthFailure(/*invalid=*/false);
  metrics.RecordAuthFailure(/*invalid=*/true);
  metrics.RecordAuthFailure(/*invalid=*/true);
  const std::string text = metrics.Serialize();
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_auth_failures_total{reason="missing"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_auth_failures_total{reason="invalid"} 2)"));
}

TEST(GatewayMetricsTest, MadeUpMethodsShareOneLabel) {
  GatewayMetrics metrics;
  for (int i = 0; i < 100; ++i) {
    metrics.RecordRequest("unmatched", absl::StrCat("X", i), 404,
                          absl::Milliseconds(1));
  }
  metrics.RecordRequest("unmatched", "get", 404, absl::Milliseconds(1));
  const std::string text = metrics.Serialize();
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_requests_total{code="404",method="OTHER",route="unmatched"} 101)"));
  EXPECT_THAT(text, Not(HasSubstr(R"(method="X1")")));
}

TEST(GatewayMetricsTest, CountsBackendCallsAndInFlight) {
  GatewayMetrics metrics;
  metrics.RecordBackendCall("datamgmt.dht.v1.DhtService.GetData", "NOT_FOUND",
                            absl::Milliseconds(1));
  metrics.RequestStarted();
  metrics.RequestStarted();
  metrics.RequestFinished();
  const std::string text = metrics.Serialize();
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_backend_calls_total{code="NOT_FOUND",method="datamgmt.dht.v1.DhtService.GetData"} 1)"));
  EXPECT_THAT(text, HasSubstr("datamgmt_gateway_http_requests_in_flight 1"));
  EXPECT_THAT(text, Not(HasSubstr("route=\"/v1")));
}

TEST(GatewayMetricsTest, ConcurrentRecordingLosesNothing) {
  GatewayMetrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < 1000; ++i) {
        metrics.RecordRequest("/network/stats", "GET", i % 2 ? 200 : 503,
                              absl::Microseconds(t + 1));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const std::string text = metrics.Serialize();
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_requests_total{code="200",method="GET",route="/network/stats"} 2000)"));
  EXPECT_THAT(text, HasSubstr(R"(datamgmt_gateway_http_requests_total{code="503",method="GET",route="/network/stats"} 2000)"));
}

}  // namespace
}  // namespace datamgmt::gateway
