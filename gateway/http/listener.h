// Internal to //gateway/http:server. The listening socket: accepts
// connections on its own strand and hands each to a new Connection on a
// strand of its own.
#ifndef DATAMGMT_GATEWAY_HTTP_LISTENER_H_
#define DATAMGMT_GATEWAY_HTTP_LISTENER_H_

#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/error.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::gateway::http::internal {

class ServerCore;

// Parses ServerOptions::host: an IPv4 or IPv6 literal (brackets allowed) or
// "localhost" (127.0.0.1). Returns InvalidArgument otherwise.
absl::StatusOr<boost::asio::ip::address> ParseHost(absl::string_view host);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Opens, binds (SO_REUSEADDR) and listens on core->options()'s host and
  // port. Returns Unavailable naming the step and address on failure, e.g.
  // "bind 0.0.0.0:8081: Address already in use".
  static absl::StatusOr<std::shared_ptr<Listener>> Open(ServerCore* core);

  explicit Listener(ServerCore* core);
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int port() const { return port_; }

  // Starts accepting. Any thread, once.
  void Start();

  // Closes the socket on the strand and waits until it is closed: new
  // connections are then refused. Must not be called on an I/O thread.
  void Close();

 private:
  void Accept();
  void OnAccept(boost::beast::error_code ec,
                boost::asio::ip::tcp::socket socket);

  ServerCore* const core_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  int port_ = 0;
  bool closed_ = false;     // on the strand
  bool rejecting_ = false;  // at max_connections; on the strand
};

}  // namespace datamgmt::gateway::http::internal

#endif  // DATAMGMT_GATEWAY_HTTP_LISTENER_H_
