// Fuzz target: the gateway's transcoding core (gateway/transcode), without
// HTTP or gRPC around it.
//
// The input is text-friendly; parts are separated by a line "~~~":
//   <METHOD> <path>        e.g. "POST /v1/books/7:tag"
//   <query string>         without the '?'
//   <Content-Type>
//   ~~~
//   <request body>
//   ~~~
//   <response bytes>       a serialized message (binary)
//   ~~~
//   <status message>
// Missing parts are empty. The routes are the gateway's own (DhtService,
// PeerManager, HealthMonitor) and, for paths none of them knows, the
// transcoder tests' Library and Overlap services (multi-segment variables,
// body fields, response_body, every field type).
//
// What runs and what is checked:
//  * RouteTable::Match: no route is 404, 405 (with Allow methods) or 400;
//  * BuildRequest (path variables, query, JSON or octet-stream body): OK
//    gives a message of the route's input type; errors are INVALID_ARGUMENT;
//    a request built from a JSON body that is the whole message ("*")
//    rebuilds to the same message from its own proto3 JSON;
//  * RenderResponse of the response bytes parsed as the route's output
//    type: OK or INTERNAL; JSON output is valid JSON and, for a whole
//    message, reads back (protobuf's JSON parser) as the same message;
//  * the JSON writer on the response bytes parsed as the tests' Everything
//    message (every field type, maps, oneofs, well-known types): the same
//    JSON value as protobuf's MessageToJsonString, or both fail;
//  * StatusJson of the status message with the response bytes as
//    google.rpc.Status details: valid JSON with that code.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "datamgmt/dht/v1/dht.pb.h"
#include "datamgmt/health/v1/health_monitor.pb.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "fuzz/fuzz_check.h"
#include "gateway/transcode/internal/json_writer.h"
#include "gateway/transcode/route_table.h"
#include "gateway/transcode/transcoder.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/status.pb.h"
#include "nlohmann/json.hpp"
#include "testdata/transcode_testdata.pb.h"

namespace datamgmt::gateway::transcode {
namespace {

using google::protobuf::Message;

// FUZZ_VERBOSE=1: what each step gave (for writing seeds).
void Trace(absl::string_view step, absl::string_view what) {
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (verbose) std::cerr << step << ": " << what.substr(0, 300) << "\n";
}

template <typename Message>
const google::protobuf::ServiceDescriptor* Service(const char* name) {
  return Message::descriptor()->file()->FindServiceByName(name);
}

const RouteTable& BuildTable(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  absl::StatusOr<RouteTable> table = RouteTable::Build(services);
  FUZZ_CHECK(table.ok()) << table.status();
  return *new RouteTable(*std::move(table));
}

const RouteTable& GatewayRoutes() {
  static const RouteTable& table =
      BuildTable({Service<dht::v1::PutDataRequest>("DhtService"),
                  Service<peers::v1::Peer>("PeerManager"),
                  Service<health::v1::CheckRound>("HealthMonitor")});
  return table;
}

const RouteTable& TestdataRoutes() {
  static const RouteTable& table =
      BuildTable({Service<testdata::Book>("Library"),
                  Service<testdata::Book>("Overlap")});
  return table;
}

std::unique_ptr<Message> New(const google::protobuf::Descriptor* type) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(type)
          ->New());
}

bool SameMessage(const Message& a, const Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

std::string ProtoJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  FUZZ_CHECK(google::protobuf::util::MessageToJsonString(message, &json,
                                                          options)
                 .ok());
  return json;
}

void CheckMatchMiss(const MatchResult& match) {
  const int status = match.http_status();
  FUZZ_CHECK(status == 404 || status == 405 || status == 400) << status;
  FUZZ_CHECK((status == 405) == !match.allowed_methods.empty())
      << status << " with " << match.allowed_methods.size() << " methods";
}

void CheckRequest(const Route& route, const Bindings& bindings,
                  absl::string_view query, absl::string_view content_type,
                  absl::string_view body) {
  absl::StatusOr<std::unique_ptr<Message>> request =
      BuildRequest(route, bindings, query, content_type, body);
  Trace("request", request.ok() ? (*request)->ShortDebugString()
                                : request.status().ToString());
  if (!request.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(request.status())) << request.status();
    return;
  }
  FUZZ_CHECK((*request)->GetDescriptor() == route.method->input_type());
  if (route.body != "*" || absl::StartsWithIgnoreCase(
                               content_type, "application/octet-stream")) {
    return;
  }
  const std::string json = ProtoJson(**request);
  absl::StatusOr<std::unique_ptr<Message>> again =
      BuildRequest(route, bindings, "", "application/json", json);
  FUZZ_CHECK(again.ok()) << again.status() << " for " << json;
  FUZZ_CHECK(SameMessage(**request, **again))
      << "rebuilt from its JSON differs: " << json;
}

void CheckResponse(const Route& route, absl::string_view bytes) {
  std::unique_ptr<Message> response = New(route.method->output_type());
  if (!response->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return;
  }
  absl::StatusOr<Rendered> rendered = RenderResponse(route, *response);
  Trace("response", rendered.ok() ? rendered->body
                                  : rendered.status().ToString());
  if (!rendered.ok()) {
    FUZZ_CHECK(absl::IsInternal(rendered.status())) << rendered.status();
    return;
  }
  if (rendered->content_type != "application/json") return;
  FUZZ_CHECK(nlohmann::json::accept(rendered->body))
      << "not JSON: " << rendered->body;
  if (!route.response_body.empty()) return;
  std::unique_ptr<Message> read = New(route.method->output_type());
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(rendered->body, read.get());
  FUZZ_CHECK(parsed.ok()) << parsed.ToString() << " reading back "
                          << rendered->body;
  response->DiscardUnknownFields();
  FUZZ_CHECK(SameMessage(*response, *read))
      << "read back differently: " << rendered->body;
}

void CheckWriterLikeProtobuf(absl::string_view bytes) {
  testdata::Everything everything;
  if (!everything.ParseFromArray(bytes.data(),
                                 static_cast<int>(bytes.size()))) {
    return;
  }
  everything.DiscardUnknownFields();
  std::string ours;
  const absl::Status written = internal::AppendMessageJson(everything, &ours);
  Trace("everything", written.ok() ? ours : written.ToString());
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::string theirs;
  const auto printed =
      google::protobuf::util::MessageToJsonString(everything, &theirs, options);
  FUZZ_CHECK(written.ok() == printed.ok())
      << "ours: " << written << ", protobuf: " << printed.ToString();
  if (!written.ok()) return;
  FUZZ_CHECK(nlohmann::json::accept(ours)) << "not JSON: " << ours;
  FUZZ_CHECK(nlohmann::json::parse(ours) == nlohmann::json::parse(theirs))
      << "ours:     " << ours << "\nprotobuf: " << theirs;
}

void CheckStatus(absl::string_view message, absl::string_view bytes) {
  google::rpc::Status details;
  const bool has_details =
      details.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  const int code = static_cast<int>(message.size() % 17);
  const std::string json = StatusJson(
      code, message, has_details ? &details.details() : nullptr);
  FUZZ_CHECK(nlohmann::json::accept(json)) << "not JSON: " << json;
  const nlohmann::json parsed = nlohmann::json::parse(json);
  FUZZ_CHECK(parsed.at("code") == code) << json;
  FUZZ_CHECK(parsed.at("details").is_array()) << json;
}

void Run(absl::string_view input) {
  std::vector<absl::string_view> parts =
      absl::StrSplit(input, absl::MaxSplits("\n~~~\n", 3));
  parts.resize(4);
  std::vector<absl::string_view> head =
      absl::StrSplit(parts[0], absl::MaxSplits('\n', 2));
  head.resize(3);
  std::vector<absl::string_view> request_line =
      absl::StrSplit(head[0], absl::MaxSplits(' ', 1));
  request_line.resize(2);
  const absl::string_view method = request_line[0];
  const absl::string_view path = request_line[1];

  MatchResult match = GatewayRoutes().Match(method, path);
  if (match.route == nullptr && absl::IsNotFound(match.status)) {
    match = TestdataRoutes().Match(method, path);
  }
  Trace("route", match.route != nullptr ? match.route->pattern
                                        : match.status.ToString());
  if (match.route != nullptr) {
    CheckRequest(*match.route, match.bindings, head[1], head[2], parts[1]);
    CheckResponse(*match.route, parts[2]);
  } else {
    CheckMatchMiss(match);
  }
  CheckWriterLikeProtobuf(parts[2]);
  CheckStatus(parts[3], parts[2]);
}

}  // namespace
}  // namespace datamgmt::gateway::transcode

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  datamgmt::gateway::transcode::Run(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
