// HTTP/JSON <-> protobuf transcoding for one route, in the manner of
// grpc-gateway v2: the request message from path variables, query
// parameters and body; the HTTP answer from the response message or from an
// error status. Pure: no network, no gRPC, no clock.
//
//   MatchResult m = table.Match("GET", "/network/peers");
//   absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
//       BuildRequest(*m.route, m.bindings, "healthy=true", "", "");
//   ... call m.route->grpc_method with *request, get `response` ...
//   absl::StatusOr<Rendered> http = RenderResponse(*m.route, *response);
//   // http->content_type "application/json", http->body {"peers":[...]}
//
// On failure, answer HttpStatusFromCode(status.code()) with
// StatusJson(code, message).
//
// Thread-safe: all functions are.
#ifndef DATAMGMT_GATEWAY_TRANSCODE_TRANSCODER_H_
#define DATAMGMT_GATEWAY_TRANSCODE_TRANSCODER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/transcode/path_template.h"
#include "gateway/transcode/route_table.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace datamgmt::gateway::transcode {

// Builds the request message of `route.method` (a new instance of its
// generated C++ class), filled in this order, later sources overriding
// earlier ones:
//   1. The body, if route.body is not "" (otherwise the body is ignored):
//      - Content-Type application/octet-stream (parameters ignored) and a
//        bytes target: the raw body is the value of that field, undecoded.
//        The target is the route.body field, or with body "*" the request's
//        only singular bytes field.
//      - Otherwise proto3 JSON (field names as in the .proto or lowerCamel;
//        64-bit integers as numbers or strings): with body "*" the whole
//        message, else the value of the route.body field. An empty (or
//        all-whitespace) body leaves the message or field empty.
//   2. The path variables `path_bindings`, converted to their fields' types
//      (see internal/field_value.h: integers range-checked, bools
//      true/false/1/0, enums by name or number, bytes as base64).
//   3. The query parameters of `query_string` (without the '?'):
//      "a.b=1&r=1&r=2", '+' and %XX decoded, names as in the .proto or
//      lowerCamel, a repeated field once per value.
// Returns INVALID_ARGUMENT, with a message naming the problem, for: a body
// that is not valid JSON for the message ("invalid JSON body: ..."), an
// unknown JSON field, a wrong JSON type; octet-stream without a bytes
// target; a path or query value that does not convert; a query parameter
// that names no field, a field set by the path or inside the body field, or
// any field when the body is "*" (the body carries every field); a
// non-repeated field given twice in the query; malformed percent-encoding.
// Returns INTERNAL if the request type has no generated C++ class.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> BuildRequest(
    const Route& route, const Bindings& path_bindings,
    absl::string_view query_string, absl::string_view content_type,
    absl::string_view body);

// An HTTP response body and its Content-Type.
struct Rendered {
  std::string content_type;
  std::string body;
};

// Renders `response`, a message of route.method's output type, as proto3
// JSON (application/json) with the field names of the .proto and every
// field present (unset message fields are left out), as
// internal/json_writer.h describes: messages with the option
// (datamgmt.api.v1.json_int64_as_number) get their 64-bit integers as JSON
// numbers. With a response_body, only that field is rendered; a singular
// bytes field is then the raw body, application/octet-stream. Returns
// INTERNAL if `response` has another type or holds a value JSON cannot
// express.
absl::StatusOr<Rendered> RenderResponse(
    const Route& route, const google::protobuf::Message& response);

// grpc-gateway v2's HTTPStatusFromCode: OK 200, CANCELLED 499, UNKNOWN 500,
// INVALID_ARGUMENT 400, DEADLINE_EXCEEDED 504, NOT_FOUND 404,
// ALREADY_EXISTS 409, PERMISSION_DENIED 403, UNAUTHENTICATED 401,
// RESOURCE_EXHAUSTED 429, FAILED_PRECONDITION 400, ABORTED 409,
// OUT_OF_RANGE 400, UNIMPLEMENTED 501, INTERNAL 500, UNAVAILABLE 503,
// DATA_LOSS 500; any other value 500.
int HttpStatusFromCode(absl::StatusCode code);

// The error body grpc-gateway v2 writes for a status:
//   {"code":5,"message":"Data not found","details":[]}
// `message` is escaped as a JSON string. Each of `details` whose type is in
// the generated descriptor pool is written as proto3 JSON (an object with
// "@type"); others are left out.
std::string StatusJson(
    int code, absl::string_view message,
    const google::protobuf::RepeatedPtrField<google::protobuf::Any>* details =
        nullptr);

// `value` as a quoted JSON string, escaped as in responses.
std::string JsonString(absl::string_view value);

}  // namespace datamgmt::gateway::transcode

#endif  // DATAMGMT_GATEWAY_TRANSCODE_TRANSCODER_H_
