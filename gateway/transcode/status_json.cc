// HttpStatusFromCode, StatusJson and JsonString: errors as HTTP answers.
#include "absl/strings/str_cat.h"
#include "gateway/transcode/internal/json_writer.h"
#include "gateway/transcode/transcoder.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"

namespace datamgmt::gateway::transcode {

int HttpStatusFromCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kCancelled:
      return 499;  // Client Closed Request.
    case absl::StatusCode::kUnknown:
      return 500;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
      return 409;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kFailedPrecondition:
      // grpc-gateway: "Note, this deliberately doesn't translate to the
      // similarly named '412 Precondition Failed' HTTP response status."
      return 400;
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kInternal:
      return 500;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDataLoss:
      return 500;
    default:
      return 500;
  }
}

std::string StatusJson(
    int code, absl::string_view message,
    const google::protobuf::RepeatedPtrField<google::protobuf::Any>* details) {
  std::string json = absl::StrCat("{\"code\":", code, ",\"message\":");
  internal::AppendJsonString(message, &json);
  json.append(",\"details\":[");
  bool first = true;
  if (details != nullptr) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    for (const google::protobuf::Any& any : *details) {
      const absl::string_view url = any.type_url();
      const std::string type_name(url.substr(url.rfind('/') + 1));
      if (google::protobuf::DescriptorPool::generated_pool()
              ->FindMessageTypeByName(type_name) == nullptr) {
        continue;
      }
      std::string detail;
      if (!google::protobuf::util::MessageToJsonString(any, &detail, options)
               .ok()) {
        continue;
      }
      if (!first) json.push_back(',');
      first = false;
      json.append(detail);
    }
  }
  json.append("]}");
  return json;
}

std::string JsonString(absl::string_view value) {
  std::string json;
  internal::AppendJsonString(value, &json);
  return json;
}

}  // namespace datamgmt::gateway::transcode
