#include "gateway/transcode/internal/json_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "datamgmt/api/v1/json.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/stubs/strutil.h"
#include "google/protobuf/util/json_util.h"

namespace datamgmt::gateway::transcode::internal {

namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// Limits of google.protobuf.Duration and Timestamp (their .proto files).
constexpr int64_t kMaxDurationSeconds = 315'576'000'000;
constexpr int64_t kMinTimestampSeconds = -62'135'596'800;  // 0001-01-01.
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;  // 9999-12-31.
constexpr int32_t kNanosPerSecond = 1'000'000'000;

// ".5" style fraction with 0, 3, 6 or 9 digits, as protobuf writes them.
void AppendNanos(int32_t nanos, std::string* out) {
  if (nanos == 0) return;
  if (nanos % 1'000'000 == 0) {
    absl::StrAppendFormat(out, ".%03d", nanos / 1'000'000);
  } else if (nanos % 1'000 == 0) {
    absl::StrAppendFormat(out, ".%06d", nanos / 1'000);
  } else {
    absl::StrAppendFormat(out, ".%09d", nanos);
  }
}

template <typename T>
void AppendFloat(T value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else if constexpr (sizeof(T) == sizeof(float)) {
    out->append(google::protobuf::SimpleFtoa(value));
  } else {
    out->append(google::protobuf::SimpleDtoa(value));
  }
}

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  absl::Status WriteMessage(const Message& message) {
    const Descriptor* type = message.GetDescriptor();
    switch (type->well_known_type()) {
      case Descriptor::WELLKNOWNTYPE_UNSPECIFIED:
        break;
      case Descriptor::WELLKNOWNTYPE_DURATION:
        if (WriteDuration(message)) return absl::OkStatus();
        return Delegate(message);
      case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
        if (WriteTimestamp(message)) return absl::OkStatus();
        return Delegate(message);
      default:
        return Delegate(message);
    }
    const bool numbers =
        type->options().GetExtension(api::v1::json_int64_as_number);
    const Reflection* reflection = message.GetReflection();
    out_->push_back('{');
    bool first = true;
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->has_presence() && !reflection->HasField(message, field)) {
        continue;
      }
      if (!first) out_->push_back(',');
      first = false;
      AppendJsonString(field->name(), out_);
      out_->push_back(':');
      if (absl::Status s = WriteField(message, field, numbers); !s.ok()) {
        return s;
      }
    }
    out_->push_back('}');
    return absl::OkStatus();
  }

  // The whole value of `field`: array, object or single value.
  absl::Status WriteField(const Message& message, const FieldDescriptor* field,
                          bool int64_as_number) {
    if (field->is_map()) return WriteMap(message, field, int64_as_number);
    if (!field->is_repeated()) {
      return WriteValue(message, field, -1, int64_as_number);
    }
    out_->push_back('[');
    const int size = message.GetReflection()->FieldSize(message, field);
    for (int i = 0; i < size; ++i) {
      if (i > 0) out_->push_back(',');
      if (absl::Status s = WriteValue(message, field, i, int64_as_number);
          !s.ok()) {
        return s;
      }
    }
    out_->push_back(']');
    return absl::OkStatus();
  }

 private:
  // Element `index` of a repeated field, or the singular field if index < 0.
  absl::Status WriteValue(const Message& message, const FieldDescriptor* field,
                          int index, bool int64_as_number) {
    const Reflection* r = message.GetReflection();
    const bool single = index < 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        absl::StrAppend(out_, single ? r->GetInt32(message, field)
                                     : r->GetRepeatedInt32(message, field,
                                                           index));
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        absl::StrAppend(out_, single ? r->GetUInt32(message, field)
                                     : r->GetRepeatedUInt32(message, field,
                                                            index));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        AppendInt64(single ? r->GetInt64(message, field)
                           : r->GetRepeatedInt64(message, field, index),
                    int64_as_number);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        AppendInt64(single ? r->GetUInt64(message, field)
                           : r->GetRepeatedUInt64(message, field, index),
                    int64_as_number);
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        AppendFloat(single ? r->GetDouble(message, field)
                           : r->GetRepeatedDouble(message, field, index),
                    out_);
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        AppendFloat(single ? r->GetFloat(message, field)
                           : r->GetRepeatedFloat(message, field, index),
                    out_);
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        out_->append((single ? r->GetBool(message, field)
                             : r->GetRepeatedBool(message, field, index))
                         ? "true"
                         : "false");
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        AppendEnum(field, single ? r->GetEnumValue(message, field)
                                 : r->GetRepeatedEnumValue(message, field,
                                                           index));
        break;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& value =
            single ? r->GetStringReference(message, field, &scratch)
                   : r->GetRepeatedStringReference(message, field, index,
                                                   &scratch);
        if (field->type() == FieldDescriptor::TYPE_BYTES) {
          out_->push_back('"');
          out_->append(absl::Base64Escape(value));
          out_->push_back('"');
        } else {
          AppendJsonString(value, out_);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return WriteMessage(single
                                ? r->GetMessage(message, field)
                                : r->GetRepeatedMessage(message, field, index));
    }
    return absl::OkStatus();
  }

  template <typename T>
  void AppendInt64(T value, bool as_number) {
    if (as_number) {
      absl::StrAppend(out_, value);
    } else {
      absl::StrAppend(out_, "\"", value, "\"");
    }
  }

  void AppendEnum(const FieldDescriptor* field, int number) {
    if (field->enum_type()->full_name() == "google.protobuf.NullValue") {
      out_->append("null");
      return;
    }
    const auto* value = field->enum_type()->FindValueByNumber(number);
    if (value == nullptr) {
      absl::StrAppend(out_, number);  // An open enum's unknown value.
    } else {
      AppendJsonString(value->name(), out_);
    }
  }

  // Map entries in ascending key order; keys are JSON strings.
  absl::Status WriteMap(const Message& message, const FieldDescriptor* field,
                        bool int64_as_number) {
    const Reflection* r = message.GetReflection();
    const FieldDescriptor* key = field->message_type()->map_key();
    const FieldDescriptor* value = field->message_type()->map_value();
    std::vector<const Message*> entries;
    const int size = r->FieldSize(message, field);
    entries.reserve(size);
    for (int i = 0; i < size; ++i) {
      entries.push_back(&r->GetRepeatedMessage(message, field, i));
    }
    std::sort(entries.begin(), entries.end(),
              [key](const Message* a, const Message* b) {
                return KeyLess(*a, *b, key);
              });
    out_->push_back('{');
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out_->push_back(',');
      const Message& entry = *entries[i];
      const Reflection* er = entry.GetReflection();
      switch (key->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          AppendJsonString(er->GetString(entry, key), out_);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          out_->append(er->GetBool(entry, key) ? "\"true\"" : "\"false\"");
          break;
        default:
          absl::StrAppend(out_, "\"", IntegerKey(entry, key), "\"");
          break;
      }
      out_->push_back(':');
      if (absl::Status s = WriteValue(entry, value, -1, int64_as_number);
          !s.ok()) {
        return s;
      }
    }
    out_->push_back('}');
    return absl::OkStatus();
  }

  static std::string IntegerKey(const Message& entry,
                                const FieldDescriptor* key) {
    const Reflection* r = entry.GetReflection();
    switch (key->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return absl::StrCat(r->GetInt32(entry, key));
      case FieldDescriptor::CPPTYPE_UINT32:
        return absl::StrCat(r->GetUInt32(entry, key));
      case FieldDescriptor::CPPTYPE_INT64:
        return absl::StrCat(r->GetInt64(entry, key));
      default:
        return absl::StrCat(r->GetUInt64(entry, key));
    }
  }

  static bool KeyLess(const Message& a, const Message& b,
                      const FieldDescriptor* key) {
    const Reflection* r = a.GetReflection();
    switch (key->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->GetInt32(a, key) < r->GetInt32(b, key);
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->GetUInt32(a, key) < r->GetUInt32(b, key);
      case FieldDescriptor::CPPTYPE_INT64:
        return r->GetInt64(a, key) < r->GetInt64(b, key);
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->GetUInt64(a, key) < r->GetUInt64(b, key);
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->GetBool(a, key) < r->GetBool(b, key);
      default:
        return r->GetString(a, key) < r->GetString(b, key);
    }
  }

  // Reads google.protobuf.Duration/Timestamp's seconds (1) and nanos (2).
  static void SecondsAndNanos(const Message& message, int64_t* seconds,
                              int32_t* nanos) {
    const Descriptor* type = message.GetDescriptor();
    const Reflection* r = message.GetReflection();
    *seconds = r->GetInt64(message, type->FindFieldByNumber(1));
    *nanos = r->GetInt32(message, type->FindFieldByNumber(2));
  }

  // Writes a valid Duration ("-1.500s") and returns true, or returns false
  // for protobuf to judge an invalid one.
  bool WriteDuration(const Message& message) {
    int64_t seconds;
    int32_t nanos;
    SecondsAndNanos(message, &seconds, &nanos);
    if (seconds > kMaxDurationSeconds || seconds < -kMaxDurationSeconds ||
        nanos >= kNanosPerSecond || nanos <= -kNanosPerSecond ||
        (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
      return false;
    }
    out_->push_back('"');
    if (seconds < 0 || nanos < 0) out_->push_back('-');
    absl::StrAppend(out_, seconds < 0 ? -seconds : seconds);
    AppendNanos(nanos < 0 ? -nanos : nanos, out_);
    out_->append("s\"");
    return true;
  }

  // Writes a valid Timestamp ("2024-01-02T03:04:05.600Z") and returns true,
  // or returns false for protobuf to judge an invalid one.
  bool WriteTimestamp(const Message& message) {
    int64_t seconds;
    int32_t nanos;
    SecondsAndNanos(message, &seconds, &nanos);
    if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds ||
        nanos < 0 || nanos >= kNanosPerSecond) {
      return false;
    }
    const absl::CivilSecond t = absl::ToCivilSecond(
        absl::FromUnixSeconds(seconds), absl::UTCTimeZone());
    absl::StrAppendFormat(out_, "\"%04d-%02d-%02dT%02d:%02d:%02d",
                          static_cast<int>(t.year()), t.month(), t.day(),
                          t.hour(), t.minute(), t.second());
    AppendNanos(nanos, out_);
    out_->append("Z\"");
    return true;
  }

  // Any, Struct, Value, ListValue, FieldMask, wrappers, and invalid
  // Durations and Timestamps: protobuf's own printer.
  absl::Status Delegate(const Message& message) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    std::string json;
    const auto status =
        google::protobuf::util::MessageToJsonString(message, &json, options);
    if (!status.ok()) {
      return absl::InternalError(absl::StrCat(
          "cannot write ", message.GetDescriptor()->full_name(),
          " as JSON: ", status.message().as_string()));
    }
    out_->append(json);
    return absl::OkStatus();
  }

  std::string* const out_;
};

}  // namespace

absl::Status AppendMessageJson(const Message& message, std::string* out) {
  return Writer(out).WriteMessage(message);
}

absl::Status AppendFieldJson(const Message& message,
                             const FieldDescriptor* field, std::string* out) {
  return Writer(out).WriteField(
      message, field,
      message.GetDescriptor()->options().GetExtension(
          api::v1::json_int64_as_number));
}

}  // namespace datamgmt::gateway::transcode::internal
