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

#include "absl/strings/str_cat.h"

namespace datamgmt::gateway::http {
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
    : timeout_(timeout), stream_(io_context_) {}

absl::StatusOr<std::unique_ptr<TestClient>> TestClient::Connect(
    int port, absl::string_view host, absl::Duration timeout) {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(std::string(host), ec);
  if (ec) return absl::InvalidArgumentError(absl::StrCat("bad host ", host));
  std::unique_ptr<TestClient> client(new TestClient(timeout));
  client->host_ = address.is_v6() ? absl::StrCat("[", host, "]:", port)
                                  : absl::StrCat(host, ":", port);
  client->stream_.expires_after(absl::ToChronoNanoseconds(timeout));
  client->stream_.async_connect(
      tcp::endpoint(address, static_cast<unsigned short>(port)),
      [&ec](beast::error_code e) { ec = e; });
  client->RunOperation();
  if (ec) return ClientError(absl::StrCat("connect ", client->host_), ec);
  beast::error_code ignored;
  client->stream_.socket().set_option(tcp::no_delay(true), ignored);
  return client;
}

void TestClient::RunOperation() {
  io_context_.restart();
  io_context_.run();
}

bool TestClient::is_open() const { return stream_.socket().is_open(); }

absl::Status TestClient::WriteRaw(absl::string_view bytes) {
  beast::error_code ec;
  stream_.expires_after(absl::ToChronoNanoseconds(timeout_));
  net::async_write(stream_, net::buffer(bytes.data(), bytes.size()),
                   [&ec](beast::error_code e, size_t) { ec = e; });
  RunOperation();
  if (ec) return ClientError("write", ec);
  return absl::OkStatus();
}

absl::StatusOr<Response> TestClient::Read(bool head) {
  beast::error_code ec;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  parser.skip(head);
  stream_.expires_after(absl::ToChronoNanoseconds(timeout_));
  bhttp::async_read(stream_, buffer_, parser,
                    [&ec](beast::error_code e, size_t) { ec = e; });
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
  stream_.expires_after(absl::ToChronoNanoseconds(timeout_));
  bhttp::async_write(stream_, request,
                     [&ec](beast::error_code e, size_t) { ec = e; });
  RunOperation();
  if (ec) return ClientError("write", ec);
  for (;;) {
    absl::StatusOr<Response> response = Read(method == bhttp::verb::head);
    if (!response.ok()) return response.status();
    if (response->result_int() / 100 == 1) continue;  // e.g. 100 Continue
    if (!response->keep_alive()) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      stream_.close();
    }
    return response;
  }
}

absl::StatusOr<std::string> TestClient::ReadUntilClosed() {
  std::string received(beast::buffers_to_string(buffer_.data()));
  buffer_.clear();
  stream_.expires_after(absl::ToChronoNanoseconds(timeout_));
  beast::error_code ec;
  for (;;) {
    size_t bytes = 0;
    stream_.async_read_some(buffer_.prepare(16 * 1024),
                            [&](beast::error_code e, size_t n) {
                              ec = e;
                              bytes = n;
                            });
    RunOperation();
    buffer_.commit(bytes);
    received += beast::buffers_to_string(buffer_.data());
    buffer_.clear();
    if (ec == net::error::eof || ec == net::error::connection_reset) {
      return received;
    }
    if (ec) return ClientError("read until closed", ec);
  }
}

}  // namespace datamgmt::gateway::http
