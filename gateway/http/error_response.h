// Error responses in grpc-gateway v2's shape, for errors the HTTP layer
// produces itself (and for the gateway to reuse):
//
//   Response r = ErrorResponse(boost::beast::http::status::payload_too_large,
//                              absl::StatusCode::kResourceExhausted,
//                              "request body exceeds 2097152 bytes");
//   // 413, Content-Type: application/json, body:
//   // {"code":8,"message":"request body exceeds 2097152 bytes","details":[]}
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_GATEWAY_HTTP_ERROR_RESPONSE_H_
#define DATAMGMT_GATEWAY_HTTP_ERROR_RESPONSE_H_

#include <string>

#include <boost/beast/http/status.hpp>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/http/handler.h"

namespace datamgmt::gateway::http {

// {"code":<int code>,"message":"<escaped message>","details":[]}. The message
// is escaped for JSON; bytes >= 0x80 pass through (UTF-8 is assumed).
std::string ErrorJson(absl::StatusCode code, absl::string_view message);

// An HTTP/1.1 response with `status`, "Content-Type: application/json" and
// ErrorJson(code, message) as its body. Connection and Content-Length are left
// to the server.
Response ErrorResponse(boost::beast::http::status status,
                       absl::StatusCode code, absl::string_view message);

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_ERROR_RESPONSE_H_
