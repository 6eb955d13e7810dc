#include "gateway/grpc_timeout.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace datamgmt::gateway {

absl::StatusOr<absl::Duration> ParseGrpcTimeout(absl::string_view text) {
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid Grpc-Timeout \"", text,
        "\": want 1 to 8 digits and a unit H, M, S, m, u or n, e.g. \"5S\""));
  };
  if (text.size() < 2 || text.size() > 9) return bad();
  int64_t value = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return bad();
    value = value * 10 + (c - '0');
  }
  switch (text.back()) {
    case 'H':
      return absl::Hours(value);
    case 'M':
      return absl::Minutes(value);
    case 'S':
      return absl::Seconds(value);
    case 'm':
      return absl::Milliseconds(value);
    case 'u':
      return absl::Microseconds(value);
    case 'n':
      return absl::Nanoseconds(value);
    default:
      return bad();
  }
}

}  // namespace datamgmt::gateway
