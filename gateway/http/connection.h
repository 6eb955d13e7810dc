// Internal to //gateway/http:server. One accepted TCP connection: reads a
// request, hands it to the Handler, writes the reply, repeats.
//
// Every member function except the public posting ones runs on the
// connection's strand. The connection is owned by its pending asynchronous
// operations and by the Reply of the request being handled; it unregisters
// itself from the ServerCore when its socket closes.
//
// Timeouts: idle_timeout while waiting for the first byte of a request
// (tcp_stream expiry, silent close); header_timeout from that byte until the
// request is complete (a steady_timer that cancels the read so that a 408
// can still be written); write_timeout per response write (tcp_stream).
#ifndef DATAMGMT_GATEWAY_HTTP_CONNECTION_H_
#define DATAMGMT_GATEWAY_HTTP_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/http/handler.h"

namespace datamgmt::gateway::http::internal {

class ServerCore;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket` must use a strand executor of core->io_context().
  Connection(ServerCore* core, boost::asio::ip::tcp::socket socket);
  ~Connection();

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading requests. Call once, after ServerCore::Register.
  void Start();

  // Shutdown began: closes the connection if it is waiting for a request;
  // otherwise the request in progress finishes and its response closes it.
  void BeginShutdown();

  // Closes the socket now. A pending reply is then dropped.
  void ForceClose();

  // Posts the response of the request being handled to the strand. Any
  // thread. Dropped if the connection closed meanwhile.
  void PostReply(Response response);

 private:
  enum class State { kIdle, kReading, kHandling, kWriting, kClosing, kClosed };

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
  boost::beast::tcp_stream stream_;
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

  State state_ = State::kIdle;
  uint64_t requests_ = 0;       // requests started; tags request_timer_ waits
  bool request_timed_out_ = false;
  // Of the request being handled, for its response.
  bool keep_alive_ = true;
  unsigned version_ = 11;
  bool head_ = false;
};

}  // namespace datamgmt::gateway::http::internal

#endif  // DATAMGMT_GATEWAY_HTTP_CONNECTION_H_
