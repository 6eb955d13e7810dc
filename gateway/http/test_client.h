// A small synchronous HTTP/1.1 client for tests, over one persistent
// connection (plain or TLS), with a deadline on every operation (no test
// hangs on a server bug).
//
//   absl::StatusOr<std::unique_ptr<TestClient>> client =
//       TestClient::Connect(server->port());
//   absl::StatusOr<Response> r = (*client)->Send(
//       boost::beast::http::verb::post, "/v1/data", "{\"value\":\"aGk=\"}",
//       {{"Content-Type", "application/json"}});
//
// Not thread-safe: one client per thread.
#ifndef DATAMGMT_GATEWAY_HTTP_TEST_CLIENT_H_
#define DATAMGMT_GATEWAY_HTTP_TEST_CLIENT_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/http/handler.h"

namespace datamgmt::gateway::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of header `name` in `response`, or "" if it has none.
std::string HeaderOf(const Response& response, absl::string_view name);

class TestClient {
 public:
  // Connects to host:port. Every later operation fails with
  // DeadlineExceeded after `timeout`. Returns Unavailable if the connection
  // is refused.
  static absl::StatusOr<std::unique_ptr<TestClient>> Connect(
      int port, absl::string_view host = "127.0.0.1",
      absl::Duration timeout = absl::Seconds(10));

  // As Connect, then a TLS handshake with `tls` (a client context, e.g. one
  // that trusts the server's test certificate; it must outlive the client).
  // Returns Unavailable if the handshake fails.
  static absl::StatusOr<std::unique_ptr<TestClient>> ConnectTls(
      int port, boost::asio::ssl::context& tls,
      absl::string_view host = "127.0.0.1",
      absl::Duration timeout = absl::Seconds(10));

  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Sends an HTTP/1.1 request (Host and Content-Length added; `headers` may
  // override Host or add Connection: close) and returns the final response,
  // skipping any 1xx. Closes the connection if the response does not keep it
  // alive. Returns Unavailable if the connection is closed or fails,
  // DeadlineExceeded on timeout.
  absl::StatusOr<Response> Send(boost::beast::http::verb method,
                                absl::string_view target,
                                std::string body = {},
                                const Headers& headers = {});

  // Writes bytes as they are (for malformed or partial requests).
  absl::Status WriteRaw(absl::string_view bytes);

  // Reads one response, 1xx included. `head` says it answers a HEAD request
  // (header only).
  absl::StatusOr<Response> Read(bool head = false);

  // Reads until the server closes the connection and returns what arrived
  // meanwhile. DeadlineExceeded if it is still open after the timeout.
  absl::StatusOr<std::string> ReadUntilClosed();

  void set_timeout(absl::Duration timeout) { timeout_ = timeout; }
  bool is_open() const;

 private:
  explicit TestClient(absl::Duration timeout);

  // Runs io_context_ until the operation started before it completed.
  void RunOperation();

  // The TCP layer (of either stream), for connect, expiry and close.
  boost::beast::tcp_stream& Tcp();
  const boost::beast::tcp_stream& Tcp() const;
  // Calls f(stream) with the stream requests go through.
  template <typename F>
  void WithStream(F&& f) {
    if (tls_.has_value()) {
      f(*tls_);
    } else {
      f(plain_);
    }
  }

  absl::Duration timeout_;
  std::string host_;
  boost::asio::io_context io_context_;
  boost::beast::tcp_stream plain_;  // unused (closed) once tls_ is set
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
};

// Maps a Beast error to a Status: timeout -> DeadlineExceeded, otherwise
// Unavailable with `what` and the error's message.
absl::Status ClientError(absl::string_view what,
                         const boost::beast::error_code& ec);

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_TEST_CLIENT_H_
