// Internal to //gateway/http:server. What the server sets in a handler's
// response before writing it. Pure function; thread-safe.
#ifndef DATAMGMT_GATEWAY_HTTP_RESPONSE_FINISH_H_
#define DATAMGMT_GATEWAY_HTTP_RESPONSE_FINISH_H_

#include "gateway/http/handler.h"

namespace datamgmt::gateway::http::internal {

// About the request being answered.
struct ResponseContext {
  unsigned version = 11;       // the request's HTTP version (10 or 11)
  bool keep_alive = true;      // the client allows keep-alive
  bool head = false;           // the method is HEAD
  bool shutting_down = false;  // Server::Shutdown has begun
};

// Sets the request's version, "Server: datamgmt-gateway", Content-Length,
// and keep-alive: kept only if the client allows it, the server is not
// shutting down, and the handler did not send "Connection: close" (without a
// Connection header the request decides). Empties the body of 1xx, 204 and
// 304 responses; for HEAD, keeps the Content-Length of the body (or the one
// the handler set for an empty body). Returns false if the body must not be
// written (HEAD, 1xx, 204, 304).
bool FinishResponse(const ResponseContext& context, Response& response);

}  // namespace datamgmt::gateway::http::internal

#endif  // DATAMGMT_GATEWAY_HTTP_RESPONSE_FINISH_H_
