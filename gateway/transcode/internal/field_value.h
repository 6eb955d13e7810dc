// Text to protobuf field values, for path variables and query parameters,
// following grpc-gateway's rules:
//
//   string            as is; must be valid UTF-8
//   integers          decimal with an optional sign, range-checked
//   float, double     decimal, or "NaN", "Infinity", "-Infinity"
//   bool              "true", "false", "1" or "0"
//   enum              a value name ("COLOR_RED") or number; must be defined
//   bytes             base64, standard or URL-safe, padded or not
//   Duration, Timestamp, FieldMask    their proto3 JSON string form ("5s")
//   wrappers (Int32Value, ...)        as their wrapped type
//
//   SetFieldFromString(&request, healthy_field, "true",
//                      {"query parameter", "healthy"});
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_FIELD_VALUE_H_
#define DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_FIELD_VALUE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace datamgmt::gateway::transcode::internal {

// A parameter as error messages name it: {"query parameter", "healthy"} is
// `query parameter "healthy"`. Views; cheap to pass.
struct ParamName {
  absl::string_view kind;
  absl::string_view name;
};

// `kind "name"`.
std::string ToString(const ParamName& param);

// Sets `field` of `message` (appends to it if repeated) to `text` converted
// to the field's type. Returns INVALID_ARGUMENT starting with `param`'s name
// if `text` is not a valid value, or if the field is a map or a message
// other than the types listed above.
absl::Status SetFieldFromString(google::protobuf::Message* message,
                                const google::protobuf::FieldDescriptor* field,
                                absl::string_view text,
                                const ParamName& param);

// Whether `s` is well-formed UTF-8 (no overlong forms, surrogates or code
// points beyond U+10FFFF).
bool IsValidUtf8(absl::string_view s);

}  // namespace datamgmt::gateway::transcode::internal

#endif  // DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_FIELD_VALUE_H_
