#include "gateway/metrics/metrics.h"

#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "prometheus/text_serializer.h"

namespace datamgmt::gateway {
namespace {

// Latency buckets, seconds: 100 us .. 10 s.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* buckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5, 5, 10};
  return *buckets;
}

// The HTTP methods counted by name; any other is counted as "OTHER", so that
// clients cannot grow the label set (and the gateway's memory) without
// bound with made-up methods (seen in fuzz/gateway_http_fuzz, which slowed
// down as every new method added series).
absl::string_view MethodLabel(absl::string_view method) {
  for (absl::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE",
                                  "PATCH", "OPTIONS", "CONNECT", "TRACE"}) {
    if (method == known) return known;
  }
  return "OTHER";
}

}  // namespace

GatewayMetrics::GatewayMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("datamgmt_gateway_http_requests_total")
                    .Help("HTTP requests answered, by route, method and "
                          "status code.")
                    .Register(*registry_)),
      request_duration_(
          prometheus::BuildHistogram()
              .Name("datamgmt_gateway_http_request_duration_seconds")
              .Help("Time from a complete HTTP request to its response.")
              .Register(*registry_)),
      backend_calls_(prometheus::BuildCounter()
                         .Name("datamgmt_gateway_backend_calls_total")
                         .Help("gRPC calls to the node's services, by method "
                               "and status code.")
                         .Register(*registry_)),
      backend_duration_(
          prometheus::BuildHistogram()
              .Name("datamgmt_gateway_backend_call_duration_seconds")
              .Help("Duration of gRPC calls to the node's services.")
              .Register(*registry_)),
      in_flight_(&prometheus::BuildGauge()
                      .Name("datamgmt_gateway_http_requests_in_flight")
                      .Help("HTTP requests being handled.")
                      .Register(*registry_)
                      .Add({})) {
  auto& auth_failures =
      prometheus::BuildCounter()
          .Name("datamgmt_gateway_auth_failures_total")
          .Help("Requests refused with 401: no bearer token (missing) or a "
                "wrong one (invalid).")
          .Register(*registry_);
  auth_missing_ = &auth_failures.Add({{"reason", "missing"}});
  auth_invalid_ = &auth_failures.Add({{"reason", "invalid"}});
}

GatewayMetrics::RequestHandles& GatewayMetrics::RequestHandlesFor(
    absl::string_view route, absl::string_view method, int status) {
  Key key{std::string(route), std::string(method), absl::StrCat(status)};
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = request_handles_.find(key);
    if (it != request_handles_.end()) return it->second;
  }
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = request_handles_.try_emplace(key);
  if (inserted) {
    const auto& [r, m, c] = key;
    it->second.count = &requests_.Add({{"route", r}, {"method", m}, {"code", c}});
    it->second.duration = &request_duration_.Add(
        {{"route", r}, {"method", m}}, LatencyBuckets());
  }
  return it->second;
}

GatewayMetrics::RequestHandles& GatewayMetrics::BackendHandlesFor(
    absl::string_view method, absl::string_view code) {
  Key key{std::string(method), std::string(code), ""};
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = backend_handles_.find(key);
    if (it != backend_handles_.end()) return it->second;
  }
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = backend_handles_.try_emplace(key);
  if (inserted) {
    const auto& [m, c, unused] = key;
    it->second.count = &backend_calls_.Add({{"method", m}, {"code", c}});
    it->second.duration =
        &backend_duration_.Add({{"method", m}}, LatencyBuckets());
  }
  return it->second;
}

void GatewayMetrics::RecordRequest(absl::string_view route,
                                   absl::string_view method, int status,
                                   absl::Duration latency) {
  RequestHandles& h = RequestHandlesFor(route, MethodLabel(method), status);
  h.count->Increment();
  h.duration->Observe(absl::ToDoubleSeconds(latency));
}

void GatewayMetrics::RecordBackendCall(absl::string_view method,
                                       absl::string_view code,
                                       absl::Duration latency) {
  RequestHandles& h = BackendHandlesFor(method, code);
  h.count->Increment();
  h.duration->Observe(absl::ToDoubleSeconds(latency));
}

std::string GatewayMetrics::Serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, registry_->Collect());
  return out.str();
}

}  // namespace datamgmt::gateway
