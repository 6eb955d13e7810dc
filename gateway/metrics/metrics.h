// The gateway's Prometheus metrics, served at /metrics in the text format
// (prometheus-cpp core; the gateway's own HTTP server serves them):
//
//   datamgmt_gateway_http_requests_total{route,method,code}        counter
//   datamgmt_gateway_http_request_duration_seconds{route,method}   histogram
//   datamgmt_gateway_backend_calls_total{method,code}              counter
//   datamgmt_gateway_backend_call_duration_seconds{method}         histogram
//   datamgmt_gateway_http_requests_in_flight                       gauge
//   datamgmt_gateway_auth_failures_total{reason}                   counter
//
// `route` is a route template as written in the protos ("/data/{hash}"),
// never the raw path, so label cardinality is bounded by the API; requests
// matching no route are counted under route "unmatched". The HTTP `method`
// is one of the nine standard ones (GET, HEAD, POST, PUT, DELETE, PATCH,
// OPTIONS, CONNECT, TRACE) or "OTHER". Backend `method` is
// the gRPC method's full name and `code` its canonical code name ("OK",
// "NOT_FOUND"). Auth failure `reason` is "missing" (no bearer token) or
// "invalid" (a wrong one); each such request is also counted in
// requests_total with code 401. Thread-safe; recording takes a reader lock
// on a small cache of metric handles, never the registry's lock after the
// first use of a label set.
#ifndef DATAMGMT_GATEWAY_METRICS_METRICS_H_
#define DATAMGMT_GATEWAY_METRICS_METRICS_H_

#include <memory>
#include <string>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace datamgmt::gateway {

class GatewayMetrics {
 public:
  GatewayMetrics();

  // One HTTP request answered with `status` after `latency`.
  void RecordRequest(absl::string_view route, absl::string_view method,
                     int status, absl::Duration latency);
  // One backend call of `method` (full name) that ended with `code` (a
  // canonical code name).
  void RecordBackendCall(absl::string_view method, absl::string_view code,
                         absl::Duration latency);
  // One request refused with 401: no token (`invalid` false) or a wrong one.
  void RecordAuthFailure(bool invalid) {
    (invalid ? auth_invalid_ : auth_missing_)->Increment();
  }
  void RequestStarted() { in_flight_->Increment(); }
  void RequestFinished() { in_flight_->Decrement(); }

  // Every metric in the Prometheus text exposition format 0.0.4.
  std::string Serialize() const;

 private:
  struct RequestHandles {
    prometheus::Counter* count;
    prometheus::Histogram* duration;
  };
  using Key = std::tuple<std::string, std::string, std::string>;

  RequestHandles& RequestHandlesFor(absl::string_view route,
                                    absl::string_view method, int status);
  RequestHandles& BackendHandlesFor(absl::string_view method,
                                    absl::string_view code);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& request_duration_;
  prometheus::Family<prometheus::Counter>& backend_calls_;
  prometheus::Family<prometheus::Histogram>& backend_duration_;
  prometheus::Gauge* in_flight_;
  prometheus::Counter* auth_missing_;
  prometheus::Counter* auth_invalid_;

  absl::Mutex mu_;
  absl::flat_hash_map<Key, RequestHandles> request_handles_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<Key, RequestHandles> backend_handles_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::gateway

#endif  // DATAMGMT_GATEWAY_METRICS_METRICS_H_
