#include "gateway/transcode/route_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"

namespace datamgmt::gateway::transcode {

namespace {

using ::google::api::HttpRule;
using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;

absl::Status RouteError(const MethodDescriptor* method,
                        absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat(method->full_name(), ": ", what));
}

// Fills route->http_method and route->pattern from the rule's pattern.
absl::Status ReadPattern(const MethodDescriptor* method, const HttpRule& rule,
                         Route* route) {
  switch (rule.pattern_case()) {
    case HttpRule::kGet:
      route->http_method = "GET";
      route->pattern = rule.get();
      break;
    case HttpRule::kPut:
      route->http_method = "PUT";
      route->pattern = rule.put();
      break;
    case HttpRule::kPost:
      route->http_method = "POST";
      route->pattern = rule.post();
      break;
    case HttpRule::kDelete:
      route->http_method = "DELETE";
      route->pattern = rule.delete_();
      break;
    case HttpRule::kPatch:
      route->http_method = "PATCH";
      route->pattern = rule.patch();
      break;
    case HttpRule::kCustom:
      if (rule.custom().kind().empty()) {
        return RouteError(method, "custom pattern without a kind");
      }
      route->http_method = rule.custom().kind();
      route->pattern = rule.custom().path();
      break;
    case HttpRule::PATTERN_NOT_SET:
      return RouteError(method, "google.api.http rule without a pattern");
  }
  return absl::OkStatus();
}

// Checks that `field_path` ("a.b.c") reaches a non-repeated scalar field of
// `type` through non-repeated message fields.
absl::Status CheckPathVariable(const MethodDescriptor* method,
                               const Descriptor* type,
                               const std::string& field_path) {
  const FieldDescriptor* field = nullptr;
  for (absl::string_view name : absl::StrSplit(field_path, '.')) {
    if (field != nullptr) {
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
          field->is_repeated()) {
        return RouteError(method, absl::StrCat("path variable \"", field_path,
                                               "\" goes through ",
                                               field->full_name(),
                                               ", not a singular message"));
      }
      type = field->message_type();
    }
    field = type->FindFieldByName(std::string(name));
    if (field == nullptr) {
      return RouteError(method, absl::StrCat("path variable \"", field_path,
                                             "\": ", type->full_name(),
                                             " has no field \"", name, "\""));
    }
  }
  if (field->is_repeated() ||
      field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return RouteError(method, absl::StrCat("path variable \"", field_path,
                                           "\" is not a singular scalar"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Route> MakeRoute(const MethodDescriptor* method,
                                const HttpRule& rule) {
  Route route;
  route.method = method;
  if (absl::Status s = ReadPattern(method, rule, &route); !s.ok()) return s;
  absl::StatusOr<PathTemplate> path_template =
      PathTemplate::Parse(route.pattern);
  if (!path_template.ok()) {
    return RouteError(method, path_template.status().message());
  }
  route.path_template = *std::move(path_template);
  route.body = rule.body();
  route.response_body = rule.response_body();
  route.grpc_method =
      absl::StrCat("/", method->service()->full_name(), "/", method->name());

  const Descriptor* input = method->input_type();
  if (!route.body.empty() && route.body != "*" &&
      input->FindFieldByName(route.body) == nullptr) {
    return RouteError(method, absl::StrCat("body \"", route.body,
                                           "\" is not a field of ",
                                           input->full_name()));
  }
  if (!route.response_body.empty() &&
      method->output_type()->FindFieldByName(route.response_body) ==
          nullptr) {
    return RouteError(method, absl::StrCat("response_body \"",
                                           route.response_body,
                                           "\" is not a field of ",
                                           method->output_type()->full_name()));
  }
  for (const std::string& field_path : route.path_template.FieldPaths()) {
    if (absl::Status s = CheckPathVariable(method, input, field_path);
        !s.ok()) {
      return s;
    }
    const absl::string_view top = absl::string_view(field_path).substr(
        0, field_path.find('.'));
    if (top == route.body) {
      return RouteError(method, absl::StrCat("path variable \"", field_path,
                                             "\" is inside the body field"));
    }
  }
  return route;
}

}  // namespace

int MatchResult::http_status() const {
  if (route != nullptr) return 200;
  if (!allowed_methods.empty()) return 405;
  return status.code() == absl::StatusCode::kInvalidArgument ? 400 : 404;
}

absl::StatusOr<RouteTable> RouteTable::Build(
    const std::vector<const ServiceDescriptor*>& services) {
  RouteTable table;
  for (const ServiceDescriptor* service : services) {
    if (service == nullptr) {
      return absl::InvalidArgumentError("null service descriptor");
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* method = service->method(i);
      if (!method->options().HasExtension(google::api::http)) continue;
      if (method->client_streaming() || method->server_streaming()) {
        table.warnings_.push_back(absl::StrCat(
            method->full_name(),
            ": streaming method has a google.api.http rule; no route"));
        continue;
      }
      const HttpRule& rule = method->options().GetExtension(google::api::http);
      absl::StatusOr<Route> route = MakeRoute(method, rule);
      if (!route.ok()) return route.status();
      table.routes_.push_back(*std::move(route));
      for (const HttpRule& binding : rule.additional_bindings()) {
        if (binding.additional_bindings_size() > 0) {
          return RouteError(method,
                            "an additional binding has additional_bindings");
        }
        route = MakeRoute(method, binding);
        if (!route.ok()) return route.status();
        table.routes_.push_back(*std::move(route));
      }
    }
  }

  // Index by HTTP method; reject routes that match the same paths.
  absl::flat_hash_map<std::string, size_t> by_shape;
  for (size_t i = 0; i < table.routes_.size(); ++i) {
    const Route& route = table.routes_[i];
    const auto [it, inserted] = by_shape.emplace(
        absl::StrCat(route.http_method, " ", route.path_template.Shape()), i);
    if (!inserted) {
      const Route& other = table.routes_[it->second];
      return absl::InvalidArgumentError(absl::StrCat(
          "conflicting routes: ", other.http_method, " ", other.pattern,
          " (", other.method->full_name(), ") and ", route.http_method, " ",
          route.pattern, " (", route.method->full_name(), ")"));
    }
    table.by_method_[route.http_method].push_back(i);
  }
  for (auto& [http_method, indexes] : table.by_method_) {
    std::stable_sort(indexes.begin(), indexes.end(), [&](size_t a, size_t b) {
      return PathTemplate::CompareSpecificity(
                 table.routes_[a].path_template,
                 table.routes_[b].path_template) < 0;
    });
  }
  return table;
}

MatchResult RouteTable::Match(absl::string_view http_method,
                              absl::string_view path) const {
  path = path.substr(0, path.find_first_of("?#"));
  MatchResult result;
  if (const auto it = by_method_.find(http_method); it != by_method_.end()) {
    for (size_t index : it->second) {
      const Route& route = routes_[index];
      if (!route.path_template.Matches(path)) continue;
      absl::StatusOr<Bindings> bindings = route.path_template.Match(path);
      if (!bindings.ok()) {
        result.status = bindings.status();
      } else {
        result.route = &route;
        result.bindings = *std::move(bindings);
      }
      return result;
    }
  }
  for (const auto& [other_method, indexes] : by_method_) {
    if (other_method == http_method) continue;
    for (size_t index : indexes) {
      if (routes_[index].path_template.Matches(path)) {
        result.allowed_methods.push_back(other_method);
        break;
      }
    }
  }
  if (result.allowed_methods.empty()) {
    result.status = absl::NotFoundError("Not Found");
  } else {
    std::sort(result.allowed_methods.begin(), result.allowed_methods.end());
    result.status = absl::UnimplementedError("Method Not Allowed");
  }
  return result;
}

}  // namespace datamgmt::gateway::transcode
