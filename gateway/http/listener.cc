#include "gateway/http/listener.h"

#include <chrono>
#include <future>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/connection.h"
#include "gateway/http/server_core.h"
#include "spdlog/spdlog.h"

namespace datamgmt::gateway::http::internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

// Pause before accepting again after running out of file descriptors.
constexpr std::chrono::milliseconds kAcceptRetry{50};

std::string HostPort(const net::ip::address& address, int port) {
  if (address.is_v6()) {
    return absl::StrCat("[", address.to_string(), "]:", port);
  }
  return absl::StrCat(address.to_string(), ":", port);
}

}  // namespace

absl::StatusOr<net::ip::address> ParseHost(absl::string_view host) {
  if (host == "localhost") {
    return net::ip::address(net::ip::address_v4::loopback());
  }
  absl::string_view literal = host;
  if (literal.size() >= 2 && literal.front() == '[' && literal.back() == ']') {
    literal = literal.substr(1, literal.size() - 2);
  }
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(std::string(literal), ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("host \"", host,
                     "\" is neither an IP address literal nor \"localhost\""));
  }
  return address;
}

absl::StatusOr<std::shared_ptr<Listener>> Listener::Open(ServerCore* core) {
  absl::StatusOr<net::ip::address> address = ParseHost(core->options().host);
  if (!address.ok()) return address.status();
  const int port = core->options().port;
  const tcp::endpoint endpoint(*address, static_cast<unsigned short>(port));
  auto listener = std::make_shared<Listener>(core);
  tcp::acceptor& acceptor = listener->acceptor_;
  auto fail = [&](absl::string_view step, const beast::error_code& ec) {
    return absl::UnavailableError(absl::StrCat(
        step, " ", HostPort(*address, port), ": ", ec.message()));
  };
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open", ec);
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("setsockopt SO_REUSEADDR", ec);
  acceptor.bind(endpoint, ec);
  if (ec) return fail("bind", ec);
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen", ec);
  listener->port_ = acceptor.local_endpoint(ec).port();
  if (ec) return fail("getsockname", ec);
  return listener;
}

Listener::Listener(ServerCore* core)
    : core_(core),
      strand_(net::make_strand(core->io_context())),
      acceptor_(strand_),
      retry_timer_(strand_) {}

void Listener::Start() {
  net::post(strand_, [self = shared_from_this()] { self->Accept(); });
}

void Listener::Close() {
  std::promise<void> closed;
  net::post(strand_, [this, &closed] {
    closed_ = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
}

void Listener::Accept() {
  if (closed_) return;
  acceptor_.async_accept(
      net::make_strand(core_->io_context()),
      beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
}

void Listener::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (closed_) return;
  if (ec) {
    spdlog::warn("http: accept: {}", ec.message());
    if (ec == net::error::no_descriptors || ec == net::error::no_memory ||
        ec == net::error::no_buffer_space) {
      retry_timer_.expires_after(kAcceptRetry);
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e) self->Accept();
      });
      return;
    }
    Accept();
    return;
  }
  beast::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  std::shared_ptr<Connection> connection =
      NewConnection(core_, std::move(socket));
  if (core_->Register(connection)) {
    rejecting_ = false;
    connection->Start();
  } else if (!core_->shutting_down()) {
    // Dropping `connection` closes the socket.
    if (!rejecting_) {
      spdlog::warn("http: {} connections open (max_connections); closing new "
                   "ones until one closes",
                   core_->options().max_connections);
    }
    rejecting_ = true;
  }
  Accept();
}

}  // namespace datamgmt::gateway::http::internal
