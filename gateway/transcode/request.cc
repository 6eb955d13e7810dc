// BuildRequest: path variables, query parameters and body to a request
// message.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/transcode/internal/field_value.h"
#include "gateway/transcode/internal/json_writer.h"
#include "gateway/transcode/internal/percent.h"
#include "gateway/transcode/transcoder.h"
#include "google/protobuf/util/json_util.h"

namespace datamgmt::gateway::transcode {

namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

bool IsOctetStream(absl::string_view content_type) {
  const absl::string_view media_type = absl::StripAsciiWhitespace(
      content_type.substr(0, content_type.find(';')));
  return absl::EqualsIgnoreCase(media_type, "application/octet-stream");
}

bool IsBlank(absl::string_view body) {
  return absl::StripAsciiWhitespace(body).empty();
}

// The only singular bytes field of `type`, or null if it has none or more.
const FieldDescriptor* OnlyBytesField(const Descriptor* type) {
  const FieldDescriptor* found = nullptr;
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (field->type() == FieldDescriptor::TYPE_BYTES && !field->is_repeated()) {
      if (found != nullptr) return nullptr;
      found = field;
    }
  }
  return found;
}

absl::Status ParseJson(absl::string_view json, Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON body: ", status.message().as_string()));
  }
  return absl::OkStatus();
}

absl::Status FillBody(const Route& route, absl::string_view content_type,
                      absl::string_view body, Message* message) {
  if (route.body.empty()) return absl::OkStatus();
  const Descriptor* type = message->GetDescriptor();
  const Reflection* reflection = message->GetReflection();
  const FieldDescriptor* field =
      route.body == "*" ? nullptr : type->FindFieldByName(route.body);
  if (route.body != "*" && field == nullptr) {
    return absl::InternalError(absl::StrCat(
        "body \"", route.body, "\" is not a field of ", type->full_name()));
  }

  if (IsOctetStream(content_type)) {
    const FieldDescriptor* target = field == nullptr ? OnlyBytesField(type)
                                                     : field;
    if (target == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Content-Type application/octet-stream needs a request with exactly "
          "one bytes field, and ",
          type->full_name(), " has not; send application/json"));
    }
    if (target->type() != FieldDescriptor::TYPE_BYTES ||
        target->is_repeated()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Content-Type application/octet-stream needs a bytes body field, "
          "and ",
          target->full_name(), " is not one; send application/json"));
    }
    reflection->SetString(message, target, std::string(body));
    return absl::OkStatus();
  }

  if (IsBlank(body)) return absl::OkStatus();
  if (field == nullptr) return ParseJson(body, message);
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
      !field->is_repeated()) {
    return ParseJson(body, reflection->MutableMessage(message, field));
  }
  // A scalar, repeated or map field: parse {"field": body} into a scratch
  // message and move just that field over.
  std::unique_ptr<Message> scratch(message->New());
  std::string wrapped = "{";
  internal::AppendJsonString(field->name(), &wrapped);
  absl::StrAppend(&wrapped, ":", body, "}");
  if (absl::Status s = ParseJson(wrapped, scratch.get()); !s.ok()) return s;
  reflection->SwapFields(scratch.get(), message, {field});
  return absl::OkStatus();
}

// Resolves a dotted field path, creating the messages on the way. Each name
// may be the proto name or the JSON (lowerCamel) name.
absl::Status ResolvePath(absl::string_view dotted,
                         const internal::ParamName& param,
                         Message** message, const FieldDescriptor** field,
                         std::vector<const FieldDescriptor*>* chain) {
  Message* current = *message;
  const FieldDescriptor* f = nullptr;
  for (absl::string_view name : absl::StrSplit(dotted, '.')) {
    if (f != nullptr) {
      if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          f->is_repeated()) {
        return absl::InvalidArgumentError(absl::StrCat(
            internal::ToString(param), ": ", f->name(),
            " is not a singular message field"));
      }
      current = current->GetReflection()->MutableMessage(current, f);
    }
    const Descriptor* type = current->GetDescriptor();
    f = type->FindFieldByName(std::string(name));
    for (int i = 0; f == nullptr && i < type->field_count(); ++i) {
      if (type->field(i)->json_name() == name) f = type->field(i);
    }
    if (f == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown ", internal::ToString(param)));
    }
    if (chain != nullptr) chain->push_back(f);
  }
  *message = current;
  *field = f;
  return absl::OkStatus();
}

absl::Status FillPath(const Bindings& bindings, Message* message) {
  for (const Binding& b : bindings) {
    const internal::ParamName param{"path parameter", b.field_path};
    Message* target = message;
    const FieldDescriptor* field = nullptr;
    if (absl::Status s =
            ResolvePath(b.field_path, param, &target, &field, nullptr);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            internal::SetFieldFromString(target, field, b.value, param);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// Whether one dotted path is the other or a prefix of it ("a" and "a.b").
bool Overlaps(absl::string_view a, absl::string_view b) {
  if (a.size() > b.size()) std::swap(a, b);
  return absl::StartsWith(b, a) && (a.size() == b.size() || b[a.size()] == '.');
}

absl::Status FillQuery(const Route& route, const Bindings& bindings,
                       absl::string_view query, Message* message) {
  absl::flat_hash_set<std::pair<const Message*, const FieldDescriptor*>> seen;
  std::string name;
  std::string value;
  std::vector<const FieldDescriptor*> chain;
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const absl::string_view raw_value =
        eq == absl::string_view::npos ? "" : pair.substr(eq + 1);
    if (!internal::PercentDecode(pair.substr(0, eq),
                                 internal::Decoding::kQuery, &name) ||
        !internal::PercentDecode(raw_value, internal::Decoding::kQuery,
                                 &value)) {
      return absl::InvalidArgumentError(
          "malformed percent-encoding in the query string");
    }
    if (name.empty()) {
      return absl::InvalidArgumentError("empty query parameter name");
    }
    const internal::ParamName param{"query parameter", name};
    Message* target = message;
    const FieldDescriptor* field = nullptr;
    chain.clear();
    if (absl::Status s = ResolvePath(name, param, &target, &field, &chain);
        !s.ok()) {
      return s;
    }
    if (route.body == "*" || chain.front()->name() == route.body) {
      return absl::InvalidArgumentError(
          absl::StrCat(internal::ToString(param),
                       " is not allowed: the request body carries ",
                       route.body == "*" ? "every field" : "that field"));
    }
    if (!bindings.empty()) {
      const std::string proto_path = absl::StrJoin(
          chain, ".", [](std::string* out, const FieldDescriptor* f) {
            out->append(f->name());
          });
      for (const Binding& b : bindings) {
        if (Overlaps(b.field_path, proto_path)) {
          return absl::InvalidArgumentError(absl::StrCat(
              internal::ToString(param), " is not allowed: the path sets \"",
              b.field_path, "\""));
        }
      }
    }
    if (!field->is_repeated() && !seen.insert({target, field}).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(internal::ToString(param), " is given more than once"));
    }
    if (absl::Status s =
            internal::SetFieldFromString(target, field, value, param);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Message>> BuildRequest(
    const Route& route, const Bindings& path_bindings,
    absl::string_view query_string, absl::string_view content_type,
    absl::string_view body) {
  const Descriptor* type = route.method->input_type();
  const Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type);
  if (prototype == nullptr) {
    return absl::InternalError(
        absl::StrCat(type->full_name(), " has no generated C++ class"));
  }
  std::unique_ptr<Message> message(prototype->New());
  if (absl::Status s = FillBody(route, content_type, body, message.get());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = FillPath(path_bindings, message.get()); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          FillQuery(route, path_bindings, query_string, message.get());
      !s.ok()) {
    return s;
  }
  return message;
}

}  // namespace datamgmt::gateway::transcode
