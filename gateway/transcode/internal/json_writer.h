// A reflection-based proto3 JSON writer for gateway responses: protobuf's
// MessageToJsonString output with preserve_proto_field_names and
// always_print_primitive_fields (same names, values, number formatting and
// string escaping), except that
//   - a message whose options set (datamgmt.api.v1.json_int64_as_number)
//     has its own 64-bit integer fields (singular, repeated and map values)
//     written as JSON numbers, not strings;
//   - fields are in declaration order. (Protobuf 3.21 moves fields it writes
//     as strings or lists although they are messages -- Duration,
//     Timestamp, wrappers, FieldMask, Value, ListValue -- and set oneof or
//     proto3 optional scalars behind the others; JSON gives key order no
//     meaning, but a stable, documented one is easier on readers.)
//   - map entries are in ascending key order (protobuf: unspecified);
//   - a google.protobuf.NullValue field is null, as proto3 JSON specifies
//     (protobuf 3.21 writes "NULL_VALUE").
// Fields with presence (messages, oneof members, proto3 optional) appear
// only when set. Duration and Timestamp are written here; the other
// well-known types with a special JSON form (Any, Struct, Value, ListValue,
// FieldMask, wrappers) are handed to protobuf's printer, so the option does
// not reach inside an Any.
//
//   std::string json;
//   absl::Status s = AppendMessageJson(network_stats, &json);
//   // {"total_peers":15,...,"uptime":86400}
//
// Stateless; thread-safe.
#ifndef DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_JSON_WRITER_H_
#define DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_JSON_WRITER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace datamgmt::gateway::transcode::internal {

// Appends `value` as a JSON string, quoted and escaped as protobuf's JSON
// printer escapes strings: '"', '\\', '<', '>', control characters and a
// few invisible code points as \uXXXX or short escapes; bytes that are not
// valid UTF-8 are dropped.
void AppendJsonString(absl::string_view value, std::string* out);

// Appends `message` as JSON (see above). Returns INTERNAL if a well-known
// type holds a value proto3 JSON cannot express (e.g. a Duration beyond
// 10,000 years); *out then holds a partial document.
absl::Status AppendMessageJson(const google::protobuf::Message& message,
                               std::string* out);

// Appends the JSON value of `field` of `message` alone: an array for a
// repeated field, an object for a map or message. The option of `message`
// applies. Errors as for AppendMessageJson.
absl::Status AppendFieldJson(const google::protobuf::Message& message,
                             const google::protobuf::FieldDescriptor* field,
                             std::string* out);

}  // namespace datamgmt::gateway::transcode::internal

#endif  // DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_JSON_WRITER_H_
