// Internal to //gateway/http:server. One accepted TCP connection: (for TLS,
// completes the handshake first) reads a request, hands it to the Handler,
// writes the reply, repeats.
//
// Connection is the interface the rest of the server holds; NewConnection
// makes the implementation for plain HTTP or HTTPS. Both are one template,
// StreamConnection<Stream>, over the stream type, so that both kinds share
// every rule below.
//
// Every member function except the public posting ones runs on the
// connection's strand. The connection is owned by its pending asynchronous
// operations and by the Reply of the request being handled; it unregisters
// itself from the ServerCore when its socket closes.
//
// Timeouts: tls.handshake_timeout for the TLS handshake (then a silent
// close); idle_timeout while waiting for the first byte of a request
// (tcp_stream expiry, silent close); header_timeout from that byte until the
// request is complete (a steady_timer that cancels the read so that a 408
// can still be written); write_timeout per response write (tcp_stream).
// Closing after a response: plain HTTP half-closes and drains what the
// client still sends; TLS sends close_notify and waits for the client's;
// both for at most min(2 s, header_timeout).
#ifndef DATAMGMT_GATEWAY_HTTP_CONNECTION_H_
#define DATAMGMT_GATEWAY_HTTP_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/http/handler.h"

namespace datamgmt::gateway::http::internal {

class ServerCore;

// What the server, its core and replies need of a connection.
class Connection {
 public:
  virtual ~Connection() = default;

  // Starts (the handshake and) reading requests. Call once, after
  // ServerCore::Register.
  virtual void Start() = 0;

  // Shutdown began: closes the connection if it is waiting for a request;
  // otherwise the request in progress finishes and its response closes it.
  virtual void BeginShutdown() = 0;

  // Closes the socket now. A pending reply is then dropped.
  virtual void ForceClose() = 0;

  // Posts the response of the request being handled to the strand. Any
  // thread. Dropped if the connection closed meanwhile.
  virtual void PostReply(Response response) = 0;
};

// A connection for `socket` (which must use a strand executor of
// core->io_context()): HTTPS if core->tls_context() is set, else plain HTTP.
std::shared_ptr<Connection> NewConnection(ServerCore* core,
                                          boost::asio::ip::tcp::socket socket);

using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Instantiated for PlainStream and TlsStream only (in connection.cc).
template <typename Stream>
class StreamConnection final
    : public Connection,
      public std::enable_shared_from_this<StreamConnection<Stream>> {
 public:
  // `stream_args` follow the socket in Stream's constructor (TlsStream: the
  // ssl::context).
  template <typename... StreamArgs>
  StreamConnection(ServerCore* core, boost::asio::ip::tcp::socket socket,
                   StreamArgs&&... stream_args);
  ~StreamConnection() override;

  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

  void Start() override;
  void BeginShutdown() override;
  void ForceClose() override;
  void PostReply(Response response) override;

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  enum class State {
    kHandshake,
    kIdle,
    kReading,
    kHandling,
    kWriting,
    kClosing,
    kClosed
  };

  boost::beast::tcp_stream& Tcp() {
    return boost::beast::get_lowest_layer(stream_);
  }
  void OnHandshake(boost::beast::error_code ec);
  void ReadRequest();
  void OnIdleRead(boost::beast::error_code ec, size_t bytes);
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec, size_t bytes);
  void OnContinueWritten(boost::beast::error_code ec, size_t bytes);
  void ReadBody();
  void OnBody(boost::beast::error_code ec, size_t bytes);
  void OnReadError(boost::beast::error_code ec);
  void OnRequestTimer(boost::beast::error_code ec, uint64_t request);
  void Dispatch();
  void OnReply(Response response);
  void Write(Response response);
  void OnWrite(boost::beast::error_code ec, size_t bytes);
  void SendError(boost::beast::http::status status, absl::StatusCode code,
                 absl::string_view message);
  void LingeringClose();
  void OnLingerRead(boost::beast::error_code ec, size_t bytes);
  void Close();

  ServerCore* const core_;
  Stream stream_;
  boost::asio::steady_timer request_timer_;
  const std::string remote_address_;
  boost::beast::flat_buffer buffer_;
  std::optional<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  std::optional<Response> response_;
  std::optional<
      boost::beast::http::response_serializer<boost::beast::http::string_body>>
      head_serializer_;  // writes the header only (HEAD, 204, 304)

  State state_ = kTls ? State::kHandshake : State::kIdle;
  uint64_t requests_ = 0;       // requests started; tags request_timer_ waits
  bool request_timed_out_ = false;
  // Of the request being handled, for its response.
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool head_ = false;
};

}  // namespace datamgmt::gateway::http::internal

#endif  // DATAMGMT_GATEWAY_HTTP_CONNECTION_H_
