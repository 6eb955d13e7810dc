#include "gateway/http/test_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/str_cat.h"

namespace datamgmt::gateway::http {

std::string HeaderOf(const Response& response, absl::string_view name) {
  auto it =
      response.find(boost::beast::string_view(name.data(), name.size()));
  return it == response.end() ? "" : std::string(it->value());
}
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

}  // namespace

absl::Status ClientError(absl::string_view what, const beast::error_code& ec) {
  if (ec == beast::error::timeout) {
    return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
  }
  return absl::UnavailableError(absl::StrCat(what, ": ", ec.message()));
}

TestClient::TestClient(absl::Duration timeout)
    : timeout_(timeout), plain_(io_context_) {}

beast::tcp_stream& TestClient::Tcp() {
  return tls_.has_value() ? beast::get_lowest_layer(*tls_) : plain_;
}

const beast::tcp_stream& TestClient::Tcp() const {
  return tls_.has_value() ? beast::get_lowest_layer(*tls_) : plain_;
}

absl::StatusOr<std::unique_ptr<TestClient>> TestClient::Connect(
    int port, absl::string_view host, absl::Duration timeout) {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(std::string(host), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad host ", host));
  std::unique_ptr<TestClient> client(new TestClient(timeout));
  client->host_ = address.is_v6() ? absl::StrCat("[", host, "]:", port)
                                  : absl::StrCat(host, ":", port);
  client->plain_.expires_after(absl::ToChronoNanoseconds(timeout));
  client->plain_.async_connect(
      tcp::endpoint(address, static_cast<unsigned short>(port)),
      [&ec](beast::error_code e) { ec = e; });
  client->RunOperation();
  if (ec) return ClientError(absl::StrCat("connect ", client->host_), ec);
  beast::error_code ignored;
  client->plain_.socket().set_option(tcp::no_delay(true), ignored);
  return client;
}

absl::StatusOr<std::unique_ptr<TestClient>> TestClient::ConnectTls(
    int port, net::ssl::context& tls, absl::string_view host,
    absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<TestClient>> client =
      Connect(port, host, timeout);
  if (!client.ok()) return client.status();
  TestClient& c = **client;
  c.tls_.emplace(std::move(c.plain_), tls);
  c.Tcp().expires_after(absl::ToChronoNanoseconds(timeout));
  beast::error_code ec;
  c.tls_->async_handshake(net::ssl::stream_base::client,
                          [&ec](beast::error_code e) { ec = e; });
  c.RunOperation();
  if (ec) return ClientError(absl::StrCat("TLS handshake ", c.host_), ec);
  return client;
}

void TestClient::RunOperation() {
  io_context_.restart();
  io_context_.run();
}

bool TestClient::is_open() const { return Tcp().socket().is_open(); }

absl::Status TestClient::WriteRaw(absl::string_view bytes) {
  beast::error_code ec;
  Tcp().expires_after(absl::ToChronoNanoseconds(timeout_));
  WithStream([&](auto& stream) {
    net::async_write(stream, net::buffer(bytes.data(), bytes.size()),
                     [&ec](beast::error_code e, size_t) { ec = e; });
  });
  RunOperation();
  if (ec) return ClientError("write", ec);
  return absl::OkStatus();
}

absl::StatusOr<Response> TestClient::Read(bool head) {
  beast::error_code ec;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  parser.skip(head);
  Tcp().expires_after(absl::ToChronoNanoseconds(timeout_));
  WithStream([&](auto& stream) {
    bhttp::async_read(stream, buffer_, parser,
                      [&ec](beast::error_code e, size_t) { ec = e; });
  });
  RunOperation();
  if (ec) return ClientError("read", ec);
  return parser.release();
}

absl::StatusOr<Response> TestClient::Send(bhttp::verb method,
                                          absl::string_view target,
                                          std::string body,
                                          const Headers& headers) {
  bhttp::request<bhttp::string_body> request{
      method, beast::string_view(target.data(), target.size()), 11};
  request.set(bhttp::field::host, host_);
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();
  beast::error_code ec;
  Tcp().expires_after(absl::ToChronoNanoseconds(timeout_));
  WithStream([&](auto& stream) {
    bhttp::async_write(stream, request,
                       [&ec](beast::error_code e, size_t) { ec = e; });
  });
  RunOperation();
  if (ec) return ClientError("write", ec);
  for (;;) {
    absl::StatusOr<Response> response = Read(method == bhttp::verb::head);
    if (!response.ok()) return response.status();
    if (response->result_int() / 100 == 1) continue;  // e.g. 100 Continue
    if (!response->keep_alive()) {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      Tcp().close();
    }
    return response;
  }
}

absl::StatusOr<std::string> TestClient::ReadUntilClosed() {
  std::string received(beast::buffers_to_string(buffer_.data()));
  buffer_.clear();
  Tcp().expires_after(absl::ToChronoNanoseconds(timeout_));
  beast::error_code ec;
  for (;;) {
    size_t bytes = 0;
    WithStream([&](auto& stream) {
      stream.async_read_some(buffer_.prepare(16 * 1024),
                             [&](beast::error_code e, size_t n) {
                               ec = e;
                               bytes = n;
                             });
    });
    RunOperation();
    buffer_.commit(bytes);
    received += beast::buffers_to_string(buffer_.data());
    buffer_.clear();
    // TLS: eof after the server's close_notify, stream_truncated without.
    if (ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::ssl::error::stream_truncated) {
      return received;
    }
    if (ec) return ClientError("read until closed", ec);
  }
}

}  // namespace datamgmt::gateway::http
