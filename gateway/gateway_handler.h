// The gateway's HTTP handler: grpc-gateway-style transcoding of REST requests
// into unary RPCs on the node's services, plus the gateway's own endpoints.
//
// For each request:
//   1. /healthz, /readyz, /metrics and /openapi.json are answered here (GET
//      and HEAD only); the first three never need a token, /openapi.json
//      only with auth.reads.
//   2. Otherwise the route table (built from the google.api.http annotations
//      of `services`) picks the RPC.
//   3. Bearer-token check (see gateway/auth/auth.h): a request that needs
//      the token and lacks it (or has a wrong one) gets 401 with
//      "WWW-Authenticate: Bearer ..." and {"code":16,...}; nothing is
//      called. This comes before 404/405, so every write to an unknown route
//      or method is a 401 too.
//   4. No route: 404, a route for another method: 405 with Allow.
//   5. Path variables, query parameters and the body make the request
//      message; bad input: 400, and nothing is called.
//   6. The backend call runs asynchronously with a deadline: Grpc-Timeout
//      (capped by max_timeout) or default_timeout. Grpc-Metadata-<key>
//      headers are sent as metadata <key>; Authorization as authorization
//      only with auth off (with auth on it is the gateway's own credential
//      and stays here); the client address as x-forwarded-for.
//   7. The response is proto3 JSON (or raw bytes for a bytes response_body).
//      Backend metadata "x-http-code" sets the status (201 for PutData),
//      "etag" the ETag (If-None-Match then gives 304); other metadata comes
//      back as Grpc-Metadata-<key>, trailers as Grpc-Trailer-<key>.
//   Errors: a google.rpc.Status as JSON, HTTP status per grpc-gateway v2.
//
// Every request is counted in the metrics and, if access_log, logged at info
// with method, route, path, status and latency. Thread-safe; never blocks.
#ifndef DATAMGMT_GATEWAY_GATEWAY_HANDLER_H_
#define DATAMGMT_GATEWAY_GATEWAY_HANDLER_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/auth/auth.h"
#include "gateway/backend/backends.h"
#include "gateway/http/handler.h"
#include "gateway/metrics/metrics.h"
#include "gateway/transcode/route_table.h"
#include "google/protobuf/descriptor.h"

namespace datamgmt::gateway {

struct GatewayHandlerOptions {
  // Backend deadline when the request has no Grpc-Timeout. Default: 10 s.
  absl::Duration default_timeout = absl::Seconds(10);
  // Grpc-Timeout values above this are capped to it. Default: 60 s.
  absl::Duration max_timeout = absl::Seconds(60);
  // Deadline of each backend health check behind /readyz. Default: 2 s.
  absl::Duration readiness_timeout = absl::Seconds(2);
  // Log every request at info. Default: true.
  bool access_log = true;
  // Bearer-token authentication. Default: mode token, which needs a token
  // (Validate refuses it without one); mode off only if asked for.
  auth::AuthOptions auth = {};

  absl::Status Validate() const;
};

class GatewayHandler final : public http::Handler {
 public:
  // Builds the route table of `services` (every one must have an address in
  // `backends`). `backends` and `metrics` are not owned and must outlive the
  // handler. InvalidArgument for bad options or annotations.
  static absl::StatusOr<std::unique_ptr<GatewayHandler>> Create(
      const GatewayHandlerOptions& options,
      const std::vector<const google::protobuf::ServiceDescriptor*>& services,
      Backends* backends, GatewayMetrics* metrics);

  void Handle(http::Request request, http::Reply reply) override;

  // From now on /readyz answers 503 (the process is shutting down).
  void SetDraining() { draining_ = true; }

  // Number of REST routes served from the protos.
  size_t route_count() const;

 private:
  struct Exchange;  // one request in flight

  GatewayHandler(const GatewayHandlerOptions& options,
                 transcode::RouteTable routes, std::string openapi,
                 Backends* backends, GatewayMetrics* metrics);

  // Answers the gateway's own endpoints; false if `path` is not one.
  bool HandleBuiltin(const std::shared_ptr<Exchange>& exchange,
                     absl::string_view path);
  // Whether the request may go on; if not, answers 401 and counts it.
  bool Authorize(const std::shared_ptr<Exchange>& exchange,
                 auth::Access access);
  void HandleReady(const std::shared_ptr<Exchange>& exchange);
  void Transcode(const std::shared_ptr<Exchange>& exchange,
                 absl::string_view path, absl::string_view query);
  absl::StatusOr<absl::Time> DeadlineOf(const http::Request& request) const;

  const GatewayHandlerOptions options_;
  const auth::Authenticator authenticator_;
  const transcode::RouteTable routes_;
  const std::string openapi_;
  Backends* const backends_;
  GatewayMetrics* const metrics_;
  std::atomic<bool> draining_{false};
};

}  // namespace datamgmt::gateway

#endif  // DATAMGMT_GATEWAY_GATEWAY_HANDLER_H_
