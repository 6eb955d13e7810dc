// Fuzz target: the gateway's handling of HTTP requests, from raw bytes.
//
// The input is what a client sends on one connection: one or more
// pipelined HTTP/1.x requests. Each is read with Boost.Beast's
// request_parser under the server's default limits and turned into an
// http::Request exactly as gateway/http/connection.cc does, then handled by
// the real GatewayHandler with the gateway's routes (DhtService,
// PeerManager, HealthMonitor): the built-in endpoints, route matching, path,
// query and body transcoding, Grpc-Timeout, metadata. Its backends are a
// gRPC server on a Unix socket (no network) that answers every call by
// echoing the request message's bytes as the response message, so response
// rendering sees bytes the fuzzer chose. Client metadata "echo-x-...",
// "echo-etag" (from Grpc-Metadata-Echo-... headers) comes back as response
// metadata "x-...", "etag", and "echo-status" / "echo-message" /
// "echo-details-bin" make the call fail with that status. The reply then
// goes through FinishResponse and is serialized as the server writes it.
//
// Checked besides memory safety and UB: every request is answered exactly
// once, within 10 s; the bytes written parse back as one HTTP response with
// the same status, header fields and body; an application/json body is
// valid JSON. A request the server itself refuses (malformed, too large) or
// an incomplete one ends the connection, as in the server.
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "datamgmt/health/v1/health_monitor.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "fuzz/fuzz_check.h"
#include "gateway/backend/backends.h"
#include "gateway/gateway_handler.h"
#include "gateway/http/handler.h"
#include "gateway/http/response_finish.h"
#include "gateway/http/server.h"
#include "gateway/metrics/metrics.h"
#include "google/protobuf/stubs/logging.h"
#include "nlohmann/json.hpp"
#include "spdlog/spdlog.h"

namespace datamgmt::gateway {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// At most this many pipelined requests per input.
constexpr int kMaxRequests = 8;

// The backend: echoes each request message as the response (see above).
class EchoReactor final : public grpc::ServerGenericBidiReactor {
 public:
  explicit EchoReactor(grpc::GenericCallbackServerContext* ctx) {
    for (const auto& [key, value] : ctx->client_metadata()) {
      absl::string_view name(key.data(), key.size());
      const std::string text(value.data(), value.size());
      if (!absl::ConsumePrefix(&name, "echo-")) continue;
      if (name == "status") {
        int code = 0;
        if (absl::SimpleAtoi(text, &code) && code > 0 && code <= 16) {
          code_ = static_cast<grpc::StatusCode>(code);
        }
      } else if (name == "message") {
        message_ = text;
      } else if (name == "details-bin") {
        details_ = text;
      } else if (name == "etag" || absl::StartsWith(name, "x-")) {
        ctx->AddInitialMetadata(std::string(name), text);
      }
    }
    StartRead(&buffer_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::INVALID_ARGUMENT, "no request"));
    } else if (code_ != grpc::OK) {
      Finish(grpc::Status(code_, message_, details_));
    } else {
      StartWriteAndFinish(&buffer_, grpc::WriteOptions(), grpc::Status::OK);
    }
  }
  void OnDone() override { delete this; }

 private:
  grpc::ByteBuffer buffer_;
  grpc::StatusCode code_ = grpc::OK;
  std::string message_;
  std::string details_;
};

class EchoService final : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* ctx) override {
    return new EchoReactor(ctx);
  }
};

template <typename Message>
const google::protobuf::ServiceDescriptor* Service(const char* name) {
  return Message::descriptor()->file()->FindServiceByName(name);
}

// What a Reply delivered.
struct Outcome {
  absl::Mutex mu;
  int calls = 0;
  std::optional<http::Response> response;
  absl::Notification done;
};

class Harness {
 public:
  Harness() {
    spdlog::set_level(spdlog::level::off);
    google::protobuf::SetLogHandler(nullptr);
    // A Unix socket path has at most 107 bytes: a long TMPDIR gives way.
    std::filesystem::path tmp = std::filesystem::temp_directory_path();
    if (tmp.string().size() > 60) tmp = "/tmp";
    std::string dir = (tmp / "datamgmt-gw-fuzz-XXXXXX").string();
    FUZZ_CHECK(mkdtemp(dir.data()) != nullptr) << dir;
    dir_ = dir;
    const std::string address = absl::StrCat("unix:", dir, "/backend.sock");
    grpc::ServerBuilder builder;
    builder.AddListeningPort(address, grpc::InsecureServerCredentials());
    builder.RegisterCallbackGenericService(&echo_);
    server_ = builder.BuildAndStart();
    FUZZ_CHECK(server_ != nullptr) << "cannot serve " << address;

    backends_ = std::make_unique<Backends>(BackendsOptions{
        .addresses = {{dht::v1::DhtService::service_full_name(), address},
                      {dht::v1::PeerDialer::service_full_name(), address},
                      {peers::v1::PeerManager::service_full_name(), address},
                      {health::v1::HealthMonitor::service_full_name(),
                       address}}});
    // As gateway/main.cc lists them.
    const std::vector<const google::protobuf::ServiceDescriptor*> services = {
        Service<dht::v1::PutDataRequest>("DhtService"),
        Service<peers::v1::Peer>("PeerManager"),
        Service<health::v1::CheckRound>("HealthMonitor")};
    GatewayHandlerOptions options;
    options.access_log = false;
    // Auth on, as by default: requests without "Authorization: Bearer
    // fuzz-token" (in http.dict) exercise the 401 path and the header parser,
    // requests with it the handler behind.
    options.auth = {.mode = auth::AuthMode::kToken, .token = "fuzz-token"};
    absl::StatusOr<std::unique_ptr<GatewayHandler>> handler =
        GatewayHandler::Create(options, services, backends_.get(), &metrics_);
    FUZZ_CHECK(handler.ok()) << handler.status();
    handler_ = *std::move(handler);
  }

  void RemoveDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Handles one request and checks the response written for it. Returns
  // whether the connection stays open.
  bool Handle(bhttp::request<bhttp::string_body> message) {
    // As Connection::Dispatch.
    const bool keep_alive = message.keep_alive();
    const unsigned version = message.version();
    const bool head = message.method() == bhttp::verb::head;
    http::Request request;
    request.method = message.method();
    request.method_string = std::string(message.method_string());
    request.target = std::string(message.target());
    request.body = std::move(message.body());
    request.remote_address = "127.0.0.1:40000";
    request.keep_alive = keep_alive;
    request.version = version;
    request.headers = std::move(static_cast<bhttp::fields&>(message));

    auto outcome = std::make_shared<Outcome>();
    handler_->Handle(std::move(request), [outcome](http::Response response) {
      absl::MutexLock lock(&outcome->mu);
      if (++outcome->calls == 1) {
        outcome->response = std::move(response);
        outcome->done.Notify();
      }
    });
    FUZZ_CHECK(outcome->done.WaitForNotificationWithTimeout(absl::Seconds(10)))
        << "no response within 10 s";
    absl::MutexLock lock(&outcome->mu);
    FUZZ_CHECK(outcome->calls == 1)
        << "answered " << outcome->calls << " times";
    return CheckWritten(*outcome->response, version, keep_alive, head);
  }

 private:
  // FinishResponse, then the bytes the server writes, read back. Returns
  // whether the connection stays open.
  static bool CheckWritten(http::Response response, unsigned version,
                           bool keep_alive, bool head) {
    const bool with_body = http::internal::FinishResponse(
        {.version = version, .keep_alive = keep_alive, .head = head},
        response);
    std::ostringstream out;
    out << response.base();
    if (with_body) out << response.body();
    const std::string wire = out.str();
    // FUZZ_VERBOSE=1: what was answered (for writing seeds).
    static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
    if (verbose) std::cerr << wire.substr(0, 600) << "\n----\n";

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(wire.size());
    parser.skip(!with_body);
    parser.eager(true);
    beast::error_code ec;
    size_t used = 0;
    for (int step = 0; step < 100 && !ec && !parser.is_done(); ++step) {
      used += parser.put(
          boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    }
    if (ec == bhttp::error::need_more) ec = {};
    if (!ec && !parser.is_done()) parser.put_eof(ec);
    FUZZ_CHECK(!ec && parser.is_done())
        << "the written response does not parse: " << ec.message() << "\n"
        << wire;
    FUZZ_CHECK(used == wire.size()) << "bytes after the response:\n" << wire;
    const auto& parsed = parser.get();
    FUZZ_CHECK(parsed.result_int() == response.result_int());
    FUZZ_CHECK(parsed.result_int() >= 100 && parsed.result_int() <= 599)
        << parsed.result_int();
    auto a = parsed.begin();
    auto b = response.begin();
    for (; a != parsed.end() && b != response.end(); ++a, ++b) {
      FUZZ_CHECK(a->name_string() == b->name_string() &&
                 a->value() == b->value())
          << "header " << b->name_string() << ": " << b->value()
          << " came back as " << a->name_string() << ": " << a->value();
    }
    FUZZ_CHECK(a == parsed.end() && b == response.end())
        << "header fields added or lost:\n" << wire;
    if (!with_body) return response.keep_alive();
    FUZZ_CHECK(parsed.body() == response.body());
    auto type = response.find(bhttp::field::content_type);
    if (type != response.end() &&
        absl::StartsWith(absl::string_view(type->value().data(),
                                           type->value().size()),
                         "application/json")) {
      FUZZ_CHECK(nlohmann::json::accept(response.body()))
          << "not JSON: " << response.body();
    }
    return response.keep_alive();
  }

  std::filesystem::path dir_;
  EchoService echo_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<Backends> backends_;
  GatewayMetrics metrics_;
  std::unique_ptr<GatewayHandler> handler_;
};

Harness& GetHarness() {
  // Never destroyed (gRPC threads may still run at exit); its directory is
  // removed at exit.
  static Harness* harness = [] {
    auto* h = new Harness();
    std::atexit([] { GetHarness().RemoveDirectory(); });
    return h;
  }();
  return *harness;
}

void Run(absl::string_view input) {
  Harness& harness = GetHarness();
  const http::ServerOptions limits;  // the server's defaults
  for (int i = 0; i < kMaxRequests && !input.empty(); ++i) {
    // As Connection::ReadRequest, then async_read_header and async_read.
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(limits.max_body_bytes);
    parser.header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser.eager(true);
    beast::error_code ec;
    for (int step = 0; step < 1000 && !parser.is_done(); ++step) {
      const size_t used =
          parser.put(boost::asio::buffer(input.data(), input.size()), ec);
      input.remove_prefix(used);
      if (ec == bhttp::error::need_more) {
        // Nothing more arrives: the client closed (or timed out).
        ec = {};
        parser.put_eof(ec);
        break;
      }
      if (ec) break;
    }
    // Malformed or too large: the server answers 400/413/431 by itself and
    // closes; incomplete: it closes.
    if (ec || !parser.is_done()) return;
    if (!harness.Handle(parser.release())) return;  // Connection: close
  }
}

}  // namespace
}  // namespace datamgmt::gateway

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  datamgmt::gateway::Run(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
