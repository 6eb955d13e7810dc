// Where the gateway's bearer token comes from: the first line of a file
// (e.g. a mounted Kubernetes Secret) or an environment variable's value.
// main() reads the flag and the variable and hands both here.
//
//   const char* value = std::getenv("GATEWAY_AUTH_TOKEN");
//   absl::StatusOr<std::string> token = LoadToken(
//       absl::GetFlag(FLAGS_auth_token_file), value ? value : "");
//
// Thread-safe. Never puts the token in a message.
#ifndef DATAMGMT_GATEWAY_AUTH_TOKEN_SOURCE_H_
#define DATAMGMT_GATEWAY_AUTH_TOKEN_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::gateway::auth {

// The token from `token_file` (its first line) or `token_value` (the value
// itself), with surrounding spaces, tabs and a trailing CR removed. "" if
// both are empty (no token configured). InvalidArgument if both are set, if
// the file cannot be read (naming the file and the reason) or if the token
// is empty.
absl::StatusOr<std::string> LoadToken(absl::string_view token_file,
                                      absl::string_view token_value);

}  // namespace datamgmt::gateway::auth

#endif  // DATAMGMT_GATEWAY_AUTH_TOKEN_SOURCE_H_
