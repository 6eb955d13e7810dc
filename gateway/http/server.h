// An asynchronous HTTP/1.1 server (Boost.Beast on Asio) for the REST gateway.
//
// One io_context is run by `threads` threads; each connection lives on its
// own strand, so there is no thread per connection. A connection handles its
// requests one at a time, in order: it reads a request, calls the Handler,
// writes the reply, and only then reads the next request. Keep-alive
// (HTTP/1.1, and HTTP/1.0 with "Connection: keep-alive") and pipelining
// therefore work without reordering.
//
// The server answers by itself, with a grpc-gateway style JSON body
// {"code":<canonical code>,"message":"...","details":[]} and
// "Connection: close", and without calling the Handler, when a request is:
//   413, code 8  body larger than max_body_bytes
//   431, code 8  header larger than max_header_bytes
//   400, code 3  malformed
//   408, code 4  not complete within header_timeout of its first byte
// It answers "Expect: 100-continue" with "100 Continue" before reading the
// body (or with 413 at once if the declared body is too large).
//
// With ServerOptions::tls set the server speaks HTTPS only (TLS 1.2+, see
// tls.h): the same rules apply inside TLS; a connection that does not
// complete the handshake within tls.handshake_timeout (a plain-HTTP request
// among them) is closed without an answer.
//
//   class Echo : public Handler { ... };   // see handler.h
//   Echo echo;
//   absl::StatusOr<std::unique_ptr<Server>> server =
//       Server::Start({.host = "0.0.0.0", .port = 8081}, &echo);
//   if (!server.ok()) return server.status();  // e.g. port in use
//   WaitForTerminationSignal();
//   (*server)->Shutdown(absl::Seconds(10));
//
// Thread-safe. Logs connection events at debug and server-generated errors
// at warn (spdlog); it logs nothing per request at info.
#ifndef DATAMGMT_GATEWAY_HTTP_SERVER_H_
#define DATAMGMT_GATEWAY_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
#include "gateway/http/handler.h"
#include "gateway/http/tls.h"

namespace datamgmt::gateway::http {

namespace internal {
class Listener;
class ServerCore;
}  // namespace internal

struct ServerOptions {
  // IPv4 or IPv6 literal ("0.0.0.0", "::", "::1", "[::1]") or "localhost"
  // (127.0.0.1). Default: "127.0.0.1" (local services bind loopback unless
  // told otherwise).
  std::string host = "127.0.0.1";
  // 0 picks a free port (see Server::port()). Default: 8081.
  int port = 8081;
  // I/O threads running the io_context. Default: 2.
  int threads = 2;
  // Larger request bodies are refused with 413. Default: 2 MiB.
  size_t max_body_bytes = 2 * 1024 * 1024;
  // Larger request headers (request line included) are refused with 431.
  // Default: 16 KiB.
  size_t max_header_bytes = 16 * 1024;
  // Time to receive a whole request once its first byte arrived (against
  // slowloris); then 408 and close. Default: 10 s.
  absl::Duration header_timeout = absl::Seconds(10);
  // A connection waiting for a (next) request that sends nothing for this
  // long is closed silently. Default: 60 s.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Time to write one response; then the connection is closed.
  // Default: 30 s.
  absl::Duration write_timeout = absl::Seconds(30);
  // Connections beyond this many are closed as soon as they are accepted.
  // Default: 10000.
  size_t max_connections = 10000;
  // HTTPS when both files are set. Default: plain HTTP.
  TlsOptions tls = {};

  // Returns InvalidArgument naming the first bad field. Does not read the
  // TLS files (Server::Start does).
  absl::Status Validate() const;
};

// Whether `host` (as in ServerOptions::host) is a loopback address:
// 127.0.0.0/8, ::1 or "localhost". False for anything else, unparsable
// hosts included.
bool IsLoopbackHost(absl::string_view host);

class Server {
 public:
  // Binds (with SO_REUSEADDR), listens and starts the I/O threads.
  // `handler` is not owned and must outlive Shutdown(). Returns
  // InvalidArgument for bad options (TLS files that cannot be used among
  // them, see NewServerTlsContext) or a null handler, and Unavailable if the
  // address cannot be bound, e.g. "bind 0.0.0.0:8081: Address already in use".
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, Handler* handler);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Shutdown(absl::ZeroDuration()) unless Shutdown was called.
  ~Server();

  // The bound port.
  int port() const { return port_; }

  // Stops accepting (the port then refuses connections), closes idle
  // connections, and lets requests in flight finish: their responses carry
  // "Connection: close". Connections still open after `grace` are closed;
  // their late replies are dropped. Returns once the I/O threads have been
  // joined; the Handler is not called afterwards. Idempotent; concurrent
  // callers wait for the first. Must not be called from a Handler or an I/O
  // thread.
  void Shutdown(absl::Duration grace);

 private:
  Server(std::shared_ptr<internal::ServerCore> core,
         std::shared_ptr<internal::Listener> listener, int port);

  const std::shared_ptr<internal::ServerCore> core_;
  const std::shared_ptr<internal::Listener> listener_;
  const int port_;
  std::vector<std::thread> threads_;
  std::once_flag shutdown_once_;
};

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_SERVER_H_
