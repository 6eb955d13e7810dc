// Environment variables as defaults for command-line flags, for containers
// and Kubernetes where configuration arrives as environment:
//
//   int main(int argc, char** argv) {
//     std::vector<std::string> args = WithEnvironmentFlags(
//         argc, argv, {{"p2p_port", "P2P_PORT"}, {"data_dir", "DATA_DIR"}});
//     std::vector<char*> argv2 = ArgvOf(args);
//     absl::ParseCommandLine(argv2.size(), argv2.data());
//
// Precedence: a flag given on the command line, then its environment
// variable, then the flag's default. Only main() uses this.
#ifndef DATAMGMT_COMMON_FLAGS_ENV_FLAGS_H_
#define DATAMGMT_COMMON_FLAGS_ENV_FLAGS_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"

namespace datamgmt {

struct EnvFlag {
  const char* flag;  // flag name without dashes, e.g. "p2p_port"
  const char* env;   // environment variable, e.g. "P2P_PORT"
};

// Returns argv with "--flag=value" inserted right after the program name for
// every mapped environment variable that is set (and non-empty), so that
// flags given on the command line, which come later, override them.
// `getenv` is injectable for tests.
std::vector<std::string> WithEnvironmentFlags(
    int argc, char** argv, const std::vector<EnvFlag>& mapping,
    absl::FunctionRef<const char*(const char*)> getenv);
std::vector<std::string> WithEnvironmentFlags(
    int argc, char** argv, const std::vector<EnvFlag>& mapping);

// Pointers into `args`, for absl::ParseCommandLine. Valid while `args` is.
std::vector<char*> ArgvOf(std::vector<std::string>& args);

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_FLAGS_ENV_FLAGS_H_
