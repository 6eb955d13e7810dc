#include "gateway/gateway_handler.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gateway/grpc_timeout.h"
#include "gateway/openapi/openapi.h"
#include "gateway/transcode/transcoder.h"
#include "google/rpc/status.pb.h"
#include "spdlog/spdlog.h"

namespace datamgmt::gateway {
namespace {

namespace beast_http = boost::beast::http;

constexpr absl::string_view kJson = "application/json";
constexpr absl::string_view kMetadataPrefix = "grpc-metadata-";

http::Response MakeResponse(int status, absl::string_view content_type,
                            std::string body) {
  http::Response response;
  response.result(static_cast<unsigned>(status));
  response.set(beast_http::field::content_type,
               beast_http::string_body::value_type(content_type));
  response.body() = std::move(body);
  return response;
}

http::Response ErrorResponse(const grpc::Status& status) {
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  google::rpc::Status details;
  const bool has_details = !status.error_details().empty() &&
                           details.ParseFromString(status.error_details());
  return MakeResponse(
      transcode::HttpStatusFromCode(code), kJson,
      transcode::StatusJson(static_cast<int>(code), status.error_message(),
                            has_details ? &details.details() : nullptr));
}

http::Response ErrorResponse(const absl::Status& status) {
  return MakeResponse(
      transcode::HttpStatusFromCode(status.code()), kJson,
      transcode::StatusJson(static_cast<int>(status.code()), status.message()));
}

// The first value of a header, or "".
absl::string_view Header(const http::Request& request, beast_http::field f) {
  auto it = request.headers.find(f);
  if (it == request.headers.end()) return "";
  return absl::string_view(it->value().data(), it->value().size());
}

}  // namespace

// One request in flight: the request, its reply and what the access log and
// metrics need. Shared by the handler and the backend callback.
struct GatewayHandler::Exchange {
  http::Request request;
  http::Reply reply;
  GatewayMetrics* metrics;
  bool access_log;
  absl::Time start;
  bool head = false;  // a HEAD request: answer as GET without a body
  std::string route = "unmatched";

  void Finish(http::Response response) {
    const int status = static_cast<int>(response.result_int());
    const absl::Duration latency = absl::Now() - start;
    if (head) response.body().clear();
    metrics->RecordRequest(route, request.method_string, status, latency);
    metrics->RequestFinished();
    if (access_log) {
      spdlog::info("{} {} route={} status={} latency_us={} client={}",
                   request.method_string, request.target, route, status,
                   absl::ToInt64Microseconds(latency), request.remote_address);
    }
    reply(std::move(response));
  }
};

absl::Status GatewayHandlerOptions::Validate() const {
  if (default_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("default_timeout must be positive");
  }
  if (max_timeout < default_timeout) {
    return absl::InvalidArgumentError(
        "max_timeout must be at least default_timeout");
  }
  if (readiness_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("readiness_timeout must be positive");
  }
  return auth.Validate();
}

absl::StatusOr<std::unique_ptr<GatewayHandler>> GatewayHandler::Create(
    const GatewayHandlerOptions& options,
    const std::vector<const google::protobuf::ServiceDescriptor*>& services,
    Backends* backends, GatewayMetrics* metrics) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (backends == nullptr || metrics == nullptr) {
    return absl::InvalidArgumentError("GatewayHandler needs backends and metrics");
  }
  for (const auto* service : services) {
    if (service == nullptr) {
      return absl::InvalidArgumentError("unknown service");
    }
    if (backends->AddressOf(service->full_name()) == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("no backend address for ", service->full_name()));
    }
  }
  absl::StatusOr<transcode::RouteTable> routes =
      transcode::RouteTable::Build(services);
  if (!routes.ok()) return routes.status();
  absl::StatusOr<std::string> openapi = OpenApiDocument(services);
  if (!openapi.ok()) return openapi.status();
  return std::unique_ptr<GatewayHandler>(new GatewayHandler(
      options, *std::move(routes), *std::move(openapi), backends, metrics));
}

GatewayHandler::GatewayHandler(const GatewayHandlerOptions& options,
                               transcode::RouteTable routes,
                               std::string openapi, Backends* backends,
                               GatewayMetrics* metrics)
    : options_(options),
      authenticator_(options.auth),
      routes_(std::move(routes)),
      openapi_(std::move(openapi)),
      backends_(backends),
      metrics_(metrics) {}

size_t GatewayHandler::route_count() const { return routes_.size(); }

void GatewayHandler::Handle(http::Request request, http::Reply reply) {
  metrics_->RequestStarted();
  auto exchange = std::make_shared<Exchange>();
  exchange->request = std::move(request);
  exchange->reply = std::move(reply);
  exchange->metrics = metrics_;
  exchange->access_log = options_.access_log;
  exchange->start = absl::Now();
  exchange->head = exchange->request.method == beast_http::verb::head;

  const absl::string_view target = exchange->request.target;
  if (target.empty() || target.front() != '/') {
    exchange->Finish(ErrorResponse(absl::InvalidArgumentError(
        "the request target must be an absolute path")));
    return;
  }
  const size_t q = target.find('?');
  const absl::string_view path = target.substr(0, q);
  const absl::string_view query =
      q == absl::string_view::npos ? "" : target.substr(q + 1);
  if (HandleBuiltin(exchange, path)) return;
  Transcode(exchange, path, query);
}

bool GatewayHandler::HandleBuiltin(const std::shared_ptr<Exchange>& exchange,
                                   absl::string_view path) {
  if (path != "/healthz" && path != "/readyz" && path != "/metrics" &&
      path != "/openapi.json") {
    return false;
  }
  exchange->route = std::string(path);
  const beast_http::verb method = exchange->request.method;
  if (method != beast_http::verb::get && method != beast_http::verb::head) {
    http::Response response = MakeResponse(
        405, kJson,
        transcode::StatusJson(static_cast<int>(absl::StatusCode::kUnimplemented),
                              "Method Not Allowed"));
    response.set(beast_http::field::allow, "GET, HEAD");
    exchange->Finish(std::move(response));
    return true;
  }
  if (path == "/openapi.json" && !Authorize(exchange, auth::Access::kRead)) {
    return true;
  }
  if (path == "/healthz") {
    exchange->Finish(MakeResponse(200, kJson, R"({"status":"ok"})"));
  } else if (path == "/metrics") {
    exchange->Finish(MakeResponse(
        200, "text/plain; version=0.0.4; charset=utf-8", metrics_->Serialize()));
  } else if (path == "/openapi.json") {
    exchange->Finish(MakeResponse(200, kJson, openapi_));
  } else {
    HandleReady(exchange);
  }
  return true;
}

bool GatewayHandler::Authorize(const std::shared_ptr<Exchange>& exchange,
                               auth::Access access) {
  if (!authenticator_.Required(access)) return true;
  std::vector<absl::string_view> authorization;
  const auto [first, last] =
      exchange->request.headers.equal_range(beast_http::field::authorization);
  for (auto it = first; it != last; ++it) {
    authorization.emplace_back(it->value().data(), it->value().size());
  }
  const auth::AuthResult result =
      authenticator_.Check(access, authorization);
  if (result == auth::AuthResult::kAllowed) return true;
  const bool invalid = result == auth::AuthResult::kInvalid;
  metrics_->RecordAuthFailure(invalid);
  http::Response response = MakeResponse(
      401, kJson,
      transcode::StatusJson(
          static_cast<int>(absl::StatusCode::kUnauthenticated),
          invalid ? "invalid bearer token"
                  : "missing bearer token (send the header Authorization: "
                    "Bearer followed by the gateway's token)"));
  constexpr absl::string_view kChallenge = R"(Bearer realm="datamgmt-gateway")";
  response.set(beast_http::field::www_authenticate,
               invalid ? absl::StrCat(kChallenge, R"(, error="invalid_token")")
                       : std::string(kChallenge));
  exchange->Finish(std::move(response));
  return false;
}

void GatewayHandler::HandleReady(const std::shared_ptr<Exchange>& exchange) {
  if (draining_) {
    exchange->Finish(MakeResponse(
        503, kJson, R"({"status":"draining","backends":[]})"));
    return;
  }
  backends_->CheckHealth(
      options_.readiness_timeout,
      [exchange](std::vector<BackendHealth> health) {
        bool ready = true;
        std::vector<std::string> entries;
        for (const BackendHealth& h : health) {
          ready = ready && h.serving;
          entries.push_back(absl::StrCat(
              R"({"address":)", transcode::JsonString(h.address),
              R"(,"services":[)",
              absl::StrJoin(h.services, ",",
                            [](std::string* out, const std::string& s) {
                              out->append(transcode::JsonString(s));
                            }),
              R"(],"status":)", transcode::JsonString(h.status), "}"));
        }
        exchange->Finish(MakeResponse(
            ready ? 200 : 503, kJson,
            absl::StrCat(R"({"status":")", ready ? "ready" : "not ready",
                         R"(","backends":[)", absl::StrJoin(entries, ","),
                         "]}")));
      });
}

absl::StatusOr<absl::Time> GatewayHandler::DeadlineOf(
    const http::Request& request) const {
  absl::Duration timeout = options_.default_timeout;
  auto it = request.headers.find("grpc-timeout");
  if (it != request.headers.end()) {
    absl::StatusOr<absl::Duration> parsed = ParseGrpcTimeout(
        absl::string_view(it->value().data(), it->value().size()));
    if (!parsed.ok()) return parsed.status();
    timeout = std::min(*parsed, options_.max_timeout);
  }
  return absl::Now() + timeout;
}

namespace {

// What the client sends along to the backend. Authorization only if
// `forward_authorization` (auth off: it is not the gateway's own).
Metadata OutgoingMetadata(const http::Request& request,
                          bool forward_authorization) {
  Metadata metadata;
  for (const auto& field : request.headers) {
    const absl::string_view name(field.name_string().data(),
                                 field.name_string().size());
    const absl::string_view value(field.value().data(), field.value().size());
    if (name.size() > kMetadataPrefix.size() &&
        absl::StartsWithIgnoreCase(name, kMetadataPrefix)) {
      metadata.emplace_back(
          absl::AsciiStrToLower(name.substr(kMetadataPrefix.size())),
          std::string(value));
    } else if (forward_authorization &&
               field.name() == beast_http::field::authorization) {
      metadata.emplace_back("authorization", std::string(value));
    }
  }
  const absl::string_view remote = request.remote_address;
  const size_t colon = remote.rfind(':');
  metadata.emplace_back("x-forwarded-for",
                        std::string(remote.substr(0, colon)));
  return metadata;
}

// Sets status, ETag and Grpc-Metadata-/Grpc-Trailer- headers from the
// backend's metadata. Returns the ETag ("" if none).
std::string ApplyMetadata(const CallResult& result, http::Response& response) {
  std::string etag;
  for (const auto& [key, value] : result.initial_metadata) {
    if (key == "x-http-code") {
      int code = 0;
      if (absl::SimpleAtoi(value, &code) && code >= 200 && code < 600) {
        response.result(static_cast<unsigned>(code));
      }
    } else if (key == "etag") {
      etag = value;
      response.set(beast_http::field::etag, value);
    } else if (key != "content-type") {
      response.insert(absl::StrCat("Grpc-Metadata-", key), value);
    }
  }
  for (const auto& [key, value] : result.trailing_metadata) {
    response.insert(absl::StrCat("Grpc-Trailer-", key), value);
  }
  return etag;
}

}  // namespace

void GatewayHandler::Transcode(const std::shared_ptr<Exchange>& exchange,
                               absl::string_view path,
                               absl::string_view query) {
  const http::Request& request = exchange->request;
  const std::string method =
      exchange->head ? std::string("GET") : request.method_string;
  transcode::MatchResult match = routes_.Match(method, path);
  if (match.route != nullptr) exchange->route = match.route->pattern;
  if (!Authorize(exchange,
                 auth::ClassifyRequest(
                     request.method_string,
                     match.route != nullptr ? match.route->method->full_name()
                                            : std::string()))) {
    return;
  }
  if (match.route == nullptr) {
    http::Response response = MakeResponse(
        match.http_status(), kJson,
        transcode::StatusJson(static_cast<int>(match.status.code()),
                              match.status.message()));
    if (!match.allowed_methods.empty()) {
      response.set(beast_http::field::allow,
                   absl::StrJoin(match.allowed_methods, ", "));
    }
    exchange->Finish(std::move(response));
    return;
  }
  const transcode::Route& route = *match.route;
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> message =
      transcode::BuildRequest(
          route, match.bindings, query,
          Header(request, beast_http::field::content_type), request.body);
  if (!message.ok()) {
    exchange->Finish(ErrorResponse(message.status()));
    return;
  }
  absl::StatusOr<absl::Time> deadline = DeadlineOf(request);
  if (!deadline.ok()) {
    exchange->Finish(ErrorResponse(deadline.status()));
    return;
  }
  GatewayMetrics* metrics = metrics_;
  backends_->Call(
      *route.method, *std::move(message), *deadline,
      OutgoingMetadata(request, !authenticator_.enabled()),
      [exchange, &route, metrics](CallResult result) {
        const auto code = static_cast<absl::StatusCode>(
            result.status.error_code());
        metrics->RecordBackendCall(route.method->full_name(),
                                   absl::StatusCodeToString(code),
                                   result.latency);
        if (!result.status.ok()) {
          exchange->Finish(ErrorResponse(result.status));
          return;
        }
        absl::StatusOr<transcode::Rendered> rendered =
            transcode::RenderResponse(route, *result.response);
        if (!rendered.ok()) {
          exchange->Finish(ErrorResponse(rendered.status()));
          return;
        }
        http::Response response = MakeResponse(
            200, rendered->content_type, std::move(rendered->body));
        const std::string etag = ApplyMetadata(result, response);
        if (!etag.empty() &&
            Header(exchange->request, beast_http::field::if_none_match) ==
                etag) {
          response.result(beast_http::status::not_modified);
          response.body().clear();
        }
        exchange->Finish(std::move(response));
      });
}

}  // namespace datamgmt::gateway
