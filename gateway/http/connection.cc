#include "gateway/http/connection.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl.hpp>

#include "absl/strings/str_cat.h"
#include "gateway/http/error_response.h"
#include "gateway/http/reply.h"
#include "gateway/http/response_finish.h"
#include "gateway/http/server_core.h"
#include "spdlog/spdlog.h"

namespace datamgmt::gateway::http::internal {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Bytes asked for when waiting for the start of a request or draining.
constexpr size_t kReadChunk = 8 * 1024;
// Idle connections give back buffers that grew beyond this.
constexpr size_t kKeptBufferBytes = 64 * 1024;
// How long a closing connection drains what the client still sends, so that
// closing does not reset the connection before the client read our response.
constexpr absl::Duration kMaxLinger = absl::Seconds(2);
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

std::string RemoteAddress(const tcp::socket& socket) {
  beast::error_code ec;
  const tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  net::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6());
  }
  if (address.is_v6()) {
    return absl::StrCat("[", address.to_string(), "]:", endpoint.port());
  }
  return absl::StrCat(address.to_string(), ":", endpoint.port());
}

// Whether `ec` is one of Beast's HTTP errors (as opposed to a socket error).
bool IsHttpError(const beast::error_code& ec) {
  return ec.category() ==
         bhttp::make_error_code(bhttp::error::bad_method).category();
}

bool ExpectsContinue(const bhttp::request<bhttp::string_body>& request) {
  if (request.version() < 11) return false;
  auto it = request.find(bhttp::field::expect);
  return it != request.end() && beast::iequals(it->value(), "100-continue");
}

}  // namespace

template <typename Stream>
template <typename... StreamArgs>
StreamConnection<Stream>::StreamConnection(ServerCore* core, tcp::socket socket,
                                           StreamArgs&&... stream_args)
    : core_(core),
      stream_(std::move(socket), std::forward<StreamArgs>(stream_args)...),
      request_timer_(stream_.get_executor()),
      remote_address_(RemoteAddress(Tcp().socket())) {}

template <typename Stream>
StreamConnection<Stream>::~StreamConnection() {
  core_->Unregister(this);
}

template <typename Stream>
void StreamConnection<Stream>::Start() {
  spdlog::debug("http: connection from {} accepted", remote_address_);
  if constexpr (kTls) {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->state_ == State::kClosed) return;
      self->Tcp().expires_after(
          ToChrono(self->core_->options().tls.handshake_timeout));
      self->stream_.async_handshake(
          net::ssl::stream_base::server,
          beast::bind_front_handler(&StreamConnection::OnHandshake, self));
    });
  } else {
    net::dispatch(stream_.get_executor(),
                  [self = this->shared_from_this()] { self->ReadRequest(); });
  }
}

template <typename Stream>
void StreamConnection<Stream>::OnHandshake(beast::error_code ec) {
  if (state_ == State::kClosed) return;
  if (ec) {
    // A plain-HTTP request, an old TLS version, a port scan, a timeout.
    spdlog::debug("http: TLS handshake with {} failed: {}", remote_address_,
                  ec == beast::error::timeout ? "timed out" : ec.message());
    Close();
    return;
  }
  ReadRequest();
}

template <typename Stream>
void StreamConnection<Stream>::BeginShutdown() {
  net::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->state_ == State::kIdle || self->state_ == State::kHandshake) {
      self->Close();
    }
  });
}

template <typename Stream>
void StreamConnection<Stream>::ForceClose() {
  net::post(stream_.get_executor(),
            [self = this->shared_from_this()] { self->Close(); });
}

template <typename Stream>
void StreamConnection<Stream>::PostReply(Response response) {
  net::post(stream_.get_executor(), [self = this->shared_from_this(),
                                     response = std::move(response)]() mutable {
    self->OnReply(std::move(response));
  });
}

template <typename Stream>
void StreamConnection<Stream>::ReadRequest() {
  if (state_ == State::kClosed) return;
  if (buffer_.size() == 0 && core_->shutting_down()) {
    Close();
    return;
  }
  const ServerOptions& options = core_->options();
  parser_.emplace();
  parser_->body_limit(options.max_body_bytes);
  parser_->header_limit(static_cast<uint32_t>(options.max_header_bytes));
  if (buffer_.size() > 0) {  // pipelined: the next request has begun
    ReadHeader();
    return;
  }
  state_ = State::kIdle;
  if (buffer_.capacity() > kKeptBufferBytes) buffer_.shrink_to_fit();
  Tcp().expires_after(ToChrono(options.idle_timeout));
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
      beast::bind_front_handler(&StreamConnection::OnIdleRead,
                                this->shared_from_this()));
}

template <typename Stream>
void StreamConnection<Stream>::OnIdleRead(beast::error_code ec, size_t bytes) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (ec == beast::error::timeout) {
      spdlog::debug("http: {} idle for {}; closing", remote_address_,
                    absl::FormatDuration(core_->options().idle_timeout));
    } else if (ec != net::error::eof) {
      spdlog::debug("http: {} read: {}", remote_address_, ec.message());
    }
    Close();
    return;
  }
  buffer_.commit(bytes);
  ReadHeader();
}

template <typename Stream>
void StreamConnection<Stream>::ReadHeader() {
  state_ = State::kReading;
  request_timed_out_ = false;
  const uint64_t request = ++requests_;
  Tcp().expires_never();
  request_timer_.expires_after(ToChrono(core_->options().header_timeout));
  request_timer_.async_wait(
      [self = this->shared_from_this(), request](beast::error_code ec) {
        self->OnRequestTimer(ec, request);
      });
  bhttp::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&StreamConnection::OnHeader,
                                this->shared_from_this()));
}

template <typename Stream>
void StreamConnection<Stream>::OnRequestTimer(beast::error_code ec,
                                              uint64_t request) {
  if (ec || request != requests_ || state_ != State::kReading) return;
  // The pending read (or 100 Continue write) completes with
  // operation_aborted and OnReadError answers 408.
  request_timed_out_ = true;
  beast::error_code ignored;
  Tcp().socket().cancel(ignored);
}

template <typename Stream>
void StreamConnection<Stream>::OnHeader(beast::error_code ec,
                                        size_t /*bytes*/) {
  if (state_ == State::kClosed) return;
  if (!ec && request_timed_out_) ec = net::error::operation_aborted;
  if (ec) {
    OnReadError(ec);
    return;
  }
  // Ask for the body only if the client waits for it; if body bytes already
  // arrived, the client is sending anyway.
  if (!parser_->is_done() && buffer_.size() == 0 &&
      ExpectsContinue(parser_->get())) {
    net::async_write(
        stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
        beast::bind_front_handler(&StreamConnection::OnContinueWritten,
                                  this->shared_from_this()));
    return;
  }
  ReadBody();
}

template <typename Stream>
void StreamConnection<Stream>::OnContinueWritten(beast::error_code ec,
                                                 size_t /*bytes*/) {
  if (state_ == State::kClosed) return;
  if (ec) {  // a 408 after a partly written 100 would garble the stream
    spdlog::debug("http: {} write 100 Continue: {}", remote_address_,
                  request_timed_out_ ? "timed out" : ec.message());
    Close();
    return;
  }
  ReadBody();
}

template <typename Stream>
void StreamConnection<Stream>::ReadBody() {
  if (request_timed_out_) {
    OnReadError(net::error::operation_aborted);
    return;
  }
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  bhttp::async_read(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&StreamConnection::OnBody,
                                this->shared_from_this()));
}

template <typename Stream>
void StreamConnection<Stream>::OnBody(beast::error_code ec, size_t /*bytes*/) {
  if (state_ == State::kClosed) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

template <typename Stream>
void StreamConnection<Stream>::OnReadError(beast::error_code ec) {
  request_timer_.cancel();
  const ServerOptions& options = core_->options();
  if (request_timed_out_) {
    SendError(bhttp::status::request_timeout,
              absl::StatusCode::kDeadlineExceeded,
              absl::StrCat("request not complete within ",
                           absl::FormatDuration(options.header_timeout)));
  } else if (ec == bhttp::error::body_limit) {
    SendError(bhttp::status::payload_too_large,
              absl::StatusCode::kResourceExhausted,
              absl::StrCat("request body exceeds ", options.max_body_bytes,
                           " bytes"));
  } else if (ec == bhttp::error::header_limit) {
    SendError(bhttp::status::request_header_fields_too_large,
              absl::StatusCode::kResourceExhausted,
              absl::StrCat("request header exceeds ", options.max_header_bytes,
                           " bytes"));
  } else if (ec == bhttp::error::end_of_stream ||
             ec == bhttp::error::partial_message ||
             !IsHttpError(ec)) {
    // The client went away (or the socket failed): nobody to answer.
    spdlog::debug("http: {} read: {}", remote_address_, ec.message());
    Close();
  } else {
    SendError(bhttp::status::bad_request, absl::StatusCode::kInvalidArgument,
              absl::StrCat("malformed HTTP request: ", ec.message()));
  }
}

template <typename Stream>
void StreamConnection<Stream>::Dispatch() {
  request_timer_.cancel();
  state_ = State::kHandling;
  bhttp::request<bhttp::string_body> message = parser_->release();
  parser_.reset();
  keep_alive_ = message.keep_alive();
  version_ = message.version();
  head_ = message.method() == bhttp::verb::head;

  Request request;
  request.method = message.method();
  request.method_string = std::string(message.method_string());
  request.target = std::string(message.target());
  request.body = std::move(message.body());
  request.remote_address = remote_address_;
  request.keep_alive = keep_alive_;
  request.version = version_;
  // Last: the fields also hold the method and target strings read above.
  request.headers = std::move(static_cast<bhttp::fields&>(message));
  core_->handler()->Handle(
      std::move(request),
      MakeReply(core_->shared_from_this(), this->shared_from_this()));
}

template <typename Stream>
void StreamConnection<Stream>::OnReply(Response response) {
  // Otherwise closed meanwhile (or a second reply): drop it.
  if (state_ == State::kHandling) Write(std::move(response));
}

template <typename Stream>
void StreamConnection<Stream>::Write(Response response) {
  state_ = State::kWriting;
  const bool with_body = FinishResponse({.version = version_,
                                         .keep_alive = keep_alive_,
                                         .head = head_,
                                         .shutting_down =
                                             core_->shutting_down()},
                                        response);
  response_ = std::move(response);
  Tcp().expires_after(ToChrono(core_->options().write_timeout));
  auto on_write =
      beast::bind_front_handler(&StreamConnection::OnWrite,
                                this->shared_from_this());
  if (with_body) {
    bhttp::async_write(stream_, *response_, std::move(on_write));
  } else {
    head_serializer_.emplace(*response_);
    bhttp::async_write_header(stream_, *head_serializer_, std::move(on_write));
  }
}

template <typename Stream>
void StreamConnection<Stream>::OnWrite(beast::error_code ec, size_t /*bytes*/) {
  if (state_ == State::kClosed) return;
  head_serializer_.reset();
  const bool keep_alive = response_->keep_alive();
  response_.reset();
  if (ec) {
    spdlog::debug("http: {} write: {}", remote_address_, ec.message());
    Close();
  } else if (keep_alive) {
    ReadRequest();
  } else {
    LingeringClose();
  }
}

template <typename Stream>
void StreamConnection<Stream>::SendError(bhttp::status status,
                                         absl::StatusCode code,
                           absl::string_view message) {
  spdlog::warn("http: {} answered {}: {}", remote_address_,
               static_cast<int>(status), std::string(message));
  keep_alive_ = false;
  version_ = 11;
  head_ = false;
  parser_.reset();
  Write(ErrorResponse(status, code, message));
}

template <typename Stream>
void StreamConnection<Stream>::LingeringClose() {
  state_ = State::kClosing;
  Tcp().expires_after(
      ToChrono(std::min(kMaxLinger, core_->options().header_timeout)));
  if constexpr (kTls) {
    // close_notify, then wait for the client's (or its close, or the
    // timeout); whatever the outcome, close.
    stream_.async_shutdown(
        [self = this->shared_from_this()](beast::error_code) {
          self->Close();
        });
  } else {
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    stream_.async_read_some(
        buffer_.prepare(kReadChunk),
        beast::bind_front_handler(&StreamConnection::OnLingerRead,
                                  this->shared_from_this()));
  }
}

template <typename Stream>
void StreamConnection<Stream>::OnLingerRead(beast::error_code ec,
                                            size_t /*bytes*/) {
  if (state_ == State::kClosed) return;
  if (ec) {  // EOF: the client closed too; or timeout
    Close();
    return;
  }
  stream_.async_read_some(
      buffer_.prepare(kReadChunk),
      beast::bind_front_handler(&StreamConnection::OnLingerRead,
                                this->shared_from_this()));
}

template <typename Stream>
void StreamConnection<Stream>::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  request_timer_.cancel();
  Tcp().close();  // pending operations complete with operation_aborted
  spdlog::debug("http: connection from {} closed", remote_address_);
  core_->Unregister(this);
}

std::shared_ptr<Connection> NewConnection(ServerCore* core,
                                          tcp::socket socket) {
  if (net::ssl::context* tls = core->tls_context()) {
    return std::make_shared<StreamConnection<TlsStream>>(
        core, std::move(socket), *tls);
  }
  return std::make_shared<StreamConnection<PlainStream>>(core,
                                                         std::move(socket));
}

template class StreamConnection<PlainStream>;
template class StreamConnection<TlsStream>;

}  // namespace datamgmt::gateway::http::internal
