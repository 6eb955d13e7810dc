#include "gateway/openapi/openapi.h"

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "datamgmt/api/v1/json.pb.h"
#include "nlohmann/json.hpp"

namespace datamgmt::gateway {

extern const char kOpenApiJson[];

namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::FileDescriptor;

// protoc-gen-swagger 1.x names a definition by the last component of the
// package followed by the message's name path: datamgmt.dht.v1.NetworkStats
// is "v1NetworkStats", a nested Outer.Inner is "v1OuterInner".
std::string DefinitionName(const Descriptor* message) {
  std::string name;
  for (const Descriptor* d = message; d != nullptr; d = d->containing_type()) {
    name = absl::StrCat(d->name(), name);
  }
  std::vector<absl::string_view> package =
      absl::StrSplit(message->file()->package(), '.');
  return absl::StrCat(package.back(), name);
}

void CollectMarked(const Descriptor* message,
                   std::vector<const Descriptor*>* out) {
  if (message->options().GetExtension(api::v1::json_int64_as_number)) {
    out->push_back(message);
  }
  for (int i = 0; i < message->nested_type_count(); ++i) {
    CollectMarked(message->nested_type(i), out);
  }
}

void MarkIntegers(nlohmann::json& schema) {
  if (!schema.is_object()) return;
  auto format = schema.find("format");
  if (format != schema.end() && format->is_string() &&
      (*format == "int64" || *format == "uint64")) {
    schema["type"] = "integer";
  }
  auto items = schema.find("items");  // repeated fields
  if (items != schema.end()) MarkIntegers(*items);
}

}  // namespace

absl::string_view GeneratedOpenApiJson() { return kOpenApiJson; }

absl::StatusOr<std::string> OpenApiDocument(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services) {
  nlohmann::json doc = nlohmann::json::parse(kOpenApiJson, nullptr,
                                             /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InternalError("the embedded OpenAPI document is not JSON");
  }
  std::set<const FileDescriptor*> files;
  for (const auto* service : services) {
    const FileDescriptor* file = service->file();
    files.insert(file);
    for (int i = 0; i < file->dependency_count(); ++i) {
      files.insert(file->dependency(i));
    }
  }
  std::vector<const Descriptor*> marked;
  for (const FileDescriptor* file : files) {
    for (int i = 0; i < file->message_type_count(); ++i) {
      CollectMarked(file->message_type(i), &marked);
    }
  }
  nlohmann::json& definitions = doc["definitions"];
  for (const Descriptor* message : marked) {
    auto def = definitions.find(DefinitionName(message));
    if (def == definitions.end()) continue;
    auto properties = def->find("properties");
    if (properties == def->end()) continue;
    for (auto& [name, schema] : properties->items()) MarkIntegers(schema);
  }
  return doc.dump(2);
}

}  // namespace datamgmt::gateway
