// Command-line handling shared by the service processes' main():
// environment-backed flags, strict parsing, and the usual value checks, all
// failing the same way: "<program>: <message>" on stderr and exit status 2.
//
//   int main(int argc, char** argv) {
//     ParseServiceFlags("dht-service", argc, argv,
//                       {{"p2p_port", "P2P_PORT"}, ...});
//     CheckPort("p2p_port", absl::GetFlag(FLAGS_p2p_port));
//     CheckPositiveDuration("rpc_timeout", absl::GetFlag(FLAGS_rpc_timeout));
//
// Only main() uses this.
#ifndef DATAMGMT_COMMON_FLAGS_SERVICE_FLAGS_H_
#define DATAMGMT_COMMON_FLAGS_SERVICE_FLAGS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/flags/env_flags.h"

namespace datamgmt {

// The exit status of every usage error.
inline constexpr int kUsageErrorExitCode = 2;

// Applies `env` (see env_flags.h), then checks every "--name=value"
// argument (an unknown flag or a malformed value is a usage error naming the
// flag; absl alone would exit 1), then runs absl::ParseCommandLine.
// `program` names the process in error messages.
void ParseServiceFlags(const char* program, int argc, char** argv,
                       const std::vector<EnvFlag>& env);

// The pre-check alone, on already-assembled arguments (args[0] is the
// program). Returns an empty string if every "--name=value" parses, else the
// error message. For tests.
std::string CheckFlagArguments(const std::vector<std::string>& args);

// Prints "<program>: <message>" and exits with kUsageErrorExitCode.
[[noreturn]] void UsageError(absl::string_view message);

// Usage error unless 0 <= port <= 65535 (0: any free port).
void CheckPort(const char* flag, int port);
// Usage error unless 0 < d < infinity.
void CheckPositiveDuration(const char* flag, absl::Duration d);
// Usage error unless 0 <= d < infinity.
void CheckNonNegativeDuration(const char* flag, absl::Duration d);

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_FLAGS_SERVICE_FLAGS_H_
