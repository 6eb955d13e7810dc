#include "gateway/auth/token_source.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace datamgmt::gateway::auth {
namespace {

absl::string_view Trim(absl::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

absl::StatusOr<std::string> LoadToken(absl::string_view token_file,
                                      absl::string_view token_value) {
  if (!token_file.empty() && !token_value.empty()) {
    return absl::InvalidArgumentError(
        "the token is set twice (a token file and a token value); set one");
  }
  if (token_file.empty()) {
    if (token_value.empty()) return std::string();
    absl::string_view token = Trim(token_value);
    if (token.empty()) {
      return absl::InvalidArgumentError("the token value is blank");
    }
    return std::string(token);
  }
  errno = 0;
  std::ifstream in{std::string(token_file)};
  std::string line;
  if (!in || (!std::getline(in, line) && !in.eof())) {
    const int error = errno;
    return absl::InvalidArgumentError(
        absl::StrCat("token file \"", token_file, "\": cannot read: ",
                     error != 0 ? std::strerror(error) : "read failed"));
  }
  absl::string_view token = Trim(line);
  if (token.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "token file \"", token_file, "\": the first line is empty"));
  }
  return std::string(token);
}

}  // namespace datamgmt::gateway::auth
