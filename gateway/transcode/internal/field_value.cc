#include "gateway/transcode/internal/field_value.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/transcode/internal/json_writer.h"
#include "google/protobuf/util/json_util.h"

namespace datamgmt::gateway::transcode::internal {

namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// `text` for an error message: quoted, escaped, at most 100 bytes of it.
std::string Quote(absl::string_view text) {
  constexpr size_t kMax = 100;
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMax)),
                      text.size() > kMax ? "...\"" : "\"");
}

absl::Status Invalid(const ParamName& param, absl::string_view text,
                     absl::string_view expected) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToString(param), ": ", Quote(text), " is not ", expected));
}

template <typename T>
bool ParseInteger(absl::string_view text, T* out) {
  absl::string_view digits = text;
  if (!digits.empty() &&
      (digits[0] == '+' || (digits[0] == '-' && std::is_signed_v<T>))) {
    digits.remove_prefix(1);
  }
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    return false;
  }
  return absl::SimpleAtoi(text, out);
}

bool ParseDouble(absl::string_view text, double* out) {
  if (text == "NaN") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (text == "Infinity" || text == "-Infinity") {
    *out = text[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
    return true;
  }
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
               c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
      })) {
    return false;
  }
  return absl::SimpleAtod(text, out) && std::isfinite(*out);
}

bool ParseBytes(absl::string_view text, std::string* out) {
  const bool charset_ok = std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '+' ||
           c == '/' || c == '-' || c == '_' || c == '=';
  });
  return charset_ok &&
         (absl::Base64Unescape(text, out) ||
          absl::WebSafeBase64Unescape(text, out));
}

// Sets a well-known message type (see the header) from text.
absl::Status SetMessageFromString(Message* sub, absl::string_view text,
                                  const ParamName& param) {
  const Descriptor* type = sub->GetDescriptor();
  switch (type->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_DURATION:
    case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
    case Descriptor::WELLKNOWNTYPE_FIELDMASK: {
      if (!IsValidUtf8(text)) return Invalid(param, text, "valid UTF-8");
      std::string json;
      AppendJsonString(text, &json);
      if (!google::protobuf::util::JsonStringToMessage(json, sub).ok()) {
        return Invalid(param, text,
                       absl::StrCat("a valid ", type->full_name()));
      }
      return absl::OkStatus();
    }
    case Descriptor::WELLKNOWNTYPE_DOUBLEVALUE:
    case Descriptor::WELLKNOWNTYPE_FLOATVALUE:
    case Descriptor::WELLKNOWNTYPE_INT64VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT64VALUE:
    case Descriptor::WELLKNOWNTYPE_INT32VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT32VALUE:
    case Descriptor::WELLKNOWNTYPE_STRINGVALUE:
    case Descriptor::WELLKNOWNTYPE_BYTESVALUE:
    case Descriptor::WELLKNOWNTYPE_BOOLVALUE:
      return SetFieldFromString(sub, type->FindFieldByNumber(1), text, param);
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          ToString(param), ": a ", type->full_name(),
          " cannot be given as text"));
  }
}

}  // namespace

std::string ToString(const ParamName& param) {
  return absl::StrCat(param.kind, " \"", param.name, "\"");
}

absl::Status SetFieldFromString(Message* message, const FieldDescriptor* field,
                                absl::string_view text,
                                const ParamName& param) {
  const Reflection* r = message->GetReflection();
  const bool repeated = field->is_repeated();
  if (field->is_map()) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToString(param), ": map fields cannot be given as text"));
  }
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!ParseInteger(text, &v)) return Invalid(param, text, "an int32");
      repeated ? r->AddInt32(message, field, v)
               : r->SetInt32(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!ParseInteger(text, &v)) return Invalid(param, text, "an int64");
      repeated ? r->AddInt64(message, field, v)
               : r->SetInt64(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!ParseInteger(text, &v)) return Invalid(param, text, "a uint32");
      repeated ? r->AddUInt32(message, field, v)
               : r->SetUInt32(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!ParseInteger(text, &v)) return Invalid(param, text, "a uint64");
      repeated ? r->AddUInt64(message, field, v)
               : r->SetUInt64(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE: {
      double v;
      if (!ParseDouble(text, &v)) return Invalid(param, text, "a number");
      repeated ? r->AddDouble(message, field, v)
               : r->SetDouble(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      constexpr double kMaxFloat = std::numeric_limits<float>::max();
      if (!ParseDouble(text, &v) ||
          (std::isfinite(v) && std::abs(v) > kMaxFloat)) {
        return Invalid(param, text, "a float");
      }
      const auto f = static_cast<float>(v);
      repeated ? r->AddFloat(message, field, f)
               : r->SetFloat(message, field, f);
      break;
    }
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool v;
      if (text == "true" || text == "1") {
        v = true;
      } else if (text == "false" || text == "0") {
        v = false;
      } else {
        return Invalid(param, text, "a bool (true, false, 1 or 0)");
      }
      repeated ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
      break;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* value =
          field->enum_type()->FindValueByName(std::string(text));
      int32_t number;
      if (value == nullptr && ParseInteger(text, &number)) {
        value = field->enum_type()->FindValueByNumber(number);
      }
      if (value == nullptr) {
        return Invalid(param, text,
                       absl::StrCat("a ", field->enum_type()->full_name()));
      }
      repeated ? r->AddEnum(message, field, value)
               : r->SetEnum(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string v;
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        if (!ParseBytes(text, &v)) return Invalid(param, text, "base64");
      } else if (!IsValidUtf8(text)) {
        return Invalid(param, text, "valid UTF-8");
      } else {
        v = std::string(text);
      }
      repeated ? r->AddString(message, field, std::move(v))
               : r->SetString(message, field, std::move(v));
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return SetMessageFromString(repeated ? r->AddMessage(message, field)
                                           : r->MutableMessage(message, field),
                                  text, param);
  }
  return absl::OkStatus();
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int length;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < static_cast<size_t>(length)) return false;
    for (int k = 1; k < length; ++k) {
      const auto cc = static_cast<uint8_t>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[length] || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace datamgmt::gateway::transcode::internal
