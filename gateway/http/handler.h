// The application side of the HTTP server: what a request looks like once it
// has been read, and how a handler completes it.
//
//   class Hello : public Handler {
//     void Handle(Request request, Reply reply) override {
//       Response response{boost::beast::http::status::ok, 11};
//       response.set(boost::beast::http::field::content_type, "text/plain");
//       response.body() = "hello";
//       reply(std::move(response));   // now, or later from any thread
//     }
//   };
//
// See server.h for the server that calls it.
#ifndef DATAMGMT_GATEWAY_HTTP_HANDLER_H_
#define DATAMGMT_GATEWAY_HTTP_HANDLER_H_

#include <functional>
#include <string>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>

namespace datamgmt::gateway::http {

// A complete request as read from the wire. Owns its data; move it on.
struct Request {
  // verb::unknown for a method Beast does not know (see method_string).
  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  // The method as sent, e.g. "GET".
  std::string method_string;
  // Origin-form target: path plus optional "?query", undecoded.
  std::string target;
  boost::beast::http::fields headers;
  std::string body;
  // "ip:port" of the client ("[v6]:port" for IPv6).
  std::string remote_address;
  // Whether the client asked to keep the connection open (HTTP/1.1 default,
  // HTTP/1.0 only with "Connection: keep-alive").
  bool keep_alive = true;
  // 11 for HTTP/1.1, 10 for HTTP/1.0.
  unsigned version = 11;
};

using Response =
    boost::beast::http::response<boost::beast::http::string_body>;

// Completes a request. Call exactly once, from any thread: the server posts
// the write to the connection's strand. Safe to call after the connection
// closed or the server shut down (the response is then dropped). Copyable, so
// it fits in std::function-based callbacks (e.g. gRPC's); all copies share
// one completion. If every copy is destroyed without a call, the client gets
// 500 {"code":13,...} rather than waiting forever.
//
// The server fills in, whatever the handler set: "Server: datamgmt-gateway",
// Content-Length (from the body), the request's HTTP version, and
// "Connection: close" once Shutdown has begun. If the response has no
// Connection header, keep-alive follows the request's; a handler can close a
// connection but not keep open one the client closes. For HEAD the body is
// not sent (its length is; or the handler's Content-Length if the body is
// empty); 1xx, 204 and 304 responses never carry a body.
using Reply = std::function<void(Response)>;

// Implemented by the application. Thread-safe: Handle runs on any of the
// server's I/O threads, concurrently for different connections.
class Handler {
 public:
  virtual ~Handler() = default;

  // Called on a server I/O thread, once per request, in order per
  // connection (the next request on a connection is read only after this
  // one's response is written). Must not block and must not throw: long work
  // (a gRPC call) completes later via `reply`.
  virtual void Handle(Request request, Reply reply) = 0;
};

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_HANDLER_H_
