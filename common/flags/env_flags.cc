#include "common/flags/env_flags.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace datamgmt {

std::vector<std::string> WithEnvironmentFlags(
    int argc, char** argv, const std::vector<EnvFlag>& mapping,
    absl::FunctionRef<const char*(const char*)> getenv) {
  std::vector<std::string> out;
  out.reserve(argc + mapping.size());
  if (argc > 0) out.emplace_back(argv[0]);
  for (const EnvFlag& m : mapping) {
    const char* value = getenv(m.env);
    if (value != nullptr && value[0] != '\0') {
      out.push_back(absl::StrCat("--", m.flag, "=", value));
    }
  }
  for (int i = 1; i < argc; ++i) out.emplace_back(argv[i]);
  return out;
}

std::vector<std::string> WithEnvironmentFlags(
    int argc, char** argv, const std::vector<EnvFlag>& mapping) {
  return WithEnvironmentFlags(
      argc, argv, mapping, [](const char* name) { return std::getenv(name); });
}

std::vector<char*> ArgvOf(std::vector<std::string>& args) {
  std::vector<char*> out;
  out.reserve(args.size());
  for (std::string& a : args) out.push_back(a.data());
  return out;
}

}  // namespace datamgmt
