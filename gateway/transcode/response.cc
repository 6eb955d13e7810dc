// RenderResponse: a response message to an HTTP body.
#include "absl/strings/str_cat.h"
#include "gateway/transcode/internal/json_writer.h"
#include "gateway/transcode/transcoder.h"

namespace datamgmt::gateway::transcode {

absl::StatusOr<Rendered> RenderResponse(
    const Route& route, const google::protobuf::Message& response) {
  const google::protobuf::Descriptor* type = response.GetDescriptor();
  if (type != route.method->output_type()) {
    return absl::InternalError(absl::StrCat(
        route.method->full_name(), " answered with a ", type->full_name()));
  }
  Rendered rendered;
  rendered.content_type = "application/json";
  if (route.response_body.empty()) {
    if (absl::Status s = internal::AppendMessageJson(response, &rendered.body);
        !s.ok()) {
      return s;
    }
    return rendered;
  }
  const google::protobuf::FieldDescriptor* field =
      type->FindFieldByName(route.response_body);
  if (field == nullptr) {
    return absl::InternalError(absl::StrCat("response_body \"",
                                            route.response_body,
                                            "\" is not a field of ",
                                            type->full_name()));
  }
  if (field->type() == google::protobuf::FieldDescriptor::TYPE_BYTES &&
      !field->is_repeated()) {
    rendered.content_type = "application/octet-stream";
    rendered.body = response.GetReflection()->GetString(response, field);
    return rendered;
  }
  if (absl::Status s =
          internal::AppendFieldJson(response, field, &rendered.body);
      !s.ok()) {
    return s;
  }
  return rendered;
}

}  // namespace datamgmt::gateway::transcode
