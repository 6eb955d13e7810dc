#include "common/flags/service_flags.h"

#include <cstdio>
#include <cstdlib>

#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace datamgmt {
namespace {

std::string& ProgramName() {
  static std::string* name = new std::string("service");
  return *name;
}

}  // namespace

std::string CheckFlagArguments(const std::vector<std::string>& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") break;
    if (!absl::StartsWith(arg, "-")) continue;
    const size_t eq = arg.find('=');
    if (eq == std::string::npos) continue;  // booleans; absl checks the rest
    const size_t start = arg.find_first_not_of('-');
    const std::string name = arg.substr(start, eq - start);
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) return absl::StrCat("unknown flag --", name);
    std::string error;
    if (!flag->ParseFrom(arg.substr(eq + 1), &error)) {
      return absl::StrCat("invalid value for --", name, ": ", error);
    }
  }
  return "";
}

void ParseServiceFlags(const char* program, int argc, char** argv,
                       const std::vector<EnvFlag>& env) {
  ProgramName() = program;
  std::vector<std::string> args = WithEnvironmentFlags(argc, argv, env);
  if (std::string error = CheckFlagArguments(args); !error.empty()) {
    UsageError(error);
  }
  std::vector<char*> raw = ArgvOf(args);
  absl::ParseCommandLine(static_cast<int>(raw.size()), raw.data());
}

void UsageError(absl::string_view message) {
  std::fprintf(stderr, "%s: %.*s\n", ProgramName().c_str(),
               static_cast<int>(message.size()), message.data());
  std::exit(kUsageErrorExitCode);
}

void CheckPort(const char* flag, int port) {
  if (port < 0 || port > 65535) {
    UsageError(absl::StrCat("--", flag, " must be 0..65535, got ", port));
  }
}

void CheckPositiveDuration(const char* flag, absl::Duration d) {
  if (d <= absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    UsageError(absl::StrCat("--", flag, " must be a positive duration, got ",
                            absl::FormatDuration(d)));
  }
}

void CheckNonNegativeDuration(const char* flag, absl::Duration d) {
  if (d < absl::ZeroDuration() || d == absl::InfiniteDuration()) {
    UsageError(absl::StrCat("--", flag,
                            " must be a finite, non-negative duration, got ",
                            absl::FormatDuration(d)));
  }
}

}  // namespace datamgmt
