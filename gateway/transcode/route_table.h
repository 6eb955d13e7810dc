// The gateway's REST routes, read from the google.api.http annotations of
// gRPC service descriptors: an annotated unary RPC is a route, with no
// gateway code.
//
//   absl::StatusOr<RouteTable> table = RouteTable::Build(
//       {pool->FindServiceByName("datamgmt.dht.v1.DhtService")});
//   MatchResult m = table->Match("GET", "/data/ab12...");
//   if (m.route != nullptr) {
//     // m.route->method is DhtService.GetData; m.bindings is
//     // {{"hash", "ab12..."}}.
//   } else {
//     // Answer m.http_status(): 404, 405 (with an Allow header listing
//     // m.allowed_methods) or 400; m.status holds the message.
//   }
//
// When several templates of one HTTP method match a path, the most specific
// wins (PathTemplate::CompareSpecificity): GET /v1/peers/stats is
// GetPeerStats's "/v1/peers/stats", not GetPeer's "/v1/peers/{address}".
//
// Immutable after Build; Match is thread-safe.
#ifndef DATAMGMT_GATEWAY_TRANSCODE_ROUTE_TABLE_H_
#define DATAMGMT_GATEWAY_TRANSCODE_ROUTE_TABLE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/transcode/path_template.h"
#include "google/protobuf/descriptor.h"

namespace datamgmt::gateway::transcode {

// One HTTP binding of an RPC: its google.api.http rule or one of the rule's
// additional_bindings. Built by RouteTable::Build, which checks that body,
// response_body and the path variables name fields that exist.
struct Route {
  // The RPC; unary.
  const google::protobuf::MethodDescriptor* method = nullptr;
  // "GET", "POST", "PUT", "DELETE", "PATCH", or a custom rule's kind.
  std::string http_method;
  // The path template as written, e.g. "/data/{hash}": the metrics label.
  std::string pattern;
  // `pattern`, parsed.
  PathTemplate path_template;
  // The rule's body: "" (the HTTP body is ignored), "*" (the whole request
  // message) or the name of a top-level field of the request.
  std::string body;
  // The rule's response_body: "" (the whole response message) or the name of
  // a top-level field of the response.
  std::string response_body;
  // The gRPC method path, "/datamgmt.dht.v1.DhtService/GetData".
  std::string grpc_method;
};

// What RouteTable::Match found.
struct MatchResult {
  // The route, or null if none matched (see `status`).
  const Route* route = nullptr;
  // The path variables, when `route` is set.
  Bindings bindings;
  // When no route matched:
  //   NOT_FOUND "Not Found": no template of any HTTP method matches the path.
  //   UNIMPLEMENTED "Method Not Allowed": templates of other HTTP methods
  //     match; `allowed_methods` lists them (grpc-gateway answers 405 with
  //     this status, code 12).
  //   INVALID_ARGUMENT: a template matches but the text bound to one of its
  //     variables has a malformed percent-escape.
  absl::Status status;
  // Sorted and unique; non-empty exactly for "Method Not Allowed".
  std::vector<std::string> allowed_methods;

  // 200 if a route matched, else 404, 405 or 400 as described above.
  int http_status() const;
};

class RouteTable {
 public:
  // Reads the google.api.http rules of every method of `services`, with
  // their additional_bindings. Methods without a rule get no route.
  // Streaming methods with a rule get no route either, and a line in
  // warnings(). Returns INVALID_ARGUMENT, naming the method, if a service is
  // null, a rule has no pattern or a malformed template, body or
  // response_body is not "", "*" (body only) or a top-level field, a path
  // variable is not a non-repeated scalar field (through non-repeated
  // message fields), an additional binding has bindings of its own, or two
  // routes of one HTTP method have the same template shape (e.g.
  // "/v1/{a}" and "/v1/{b}").
  static absl::StatusOr<RouteTable> Build(
      const std::vector<const google::protobuf::ServiceDescriptor*>&
          services);

  // The route for `http_method` (case-sensitive, e.g. "GET") and `path`.
  // Anything from the first '?' or '#' of `path` is ignored. Scans the
  // routes of `http_method` from the most specific; allocates only for the
  // bindings of the route found, and on a miss to list allowed methods.
  MatchResult Match(absl::string_view http_method,
                    absl::string_view path) const;

  // Every route, in the order of `services`, methods and bindings.
  const std::vector<Route>& routes() const { return routes_; }
  size_t size() const { return routes_.size(); }

  // One line per streaming method that has a rule and so no route.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  RouteTable() = default;

  std::vector<Route> routes_;
  // HTTP method -> indexes into routes_, most specific template first.
  absl::flat_hash_map<std::string, std::vector<size_t>> by_method_;
  std::vector<std::string> warnings_;
};

}  // namespace datamgmt::gateway::transcode

#endif  // DATAMGMT_GATEWAY_TRANSCODE_ROUTE_TABLE_H_
