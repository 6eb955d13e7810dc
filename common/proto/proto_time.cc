#include "common/proto/proto_time.h"

#include <cstdint>

namespace datamgmt {

google::protobuf::Timestamp ToProtoTimestamp(absl::Time t) {
  google::protobuf::Timestamp out;
  if (t == absl::InfinitePast()) return out;
  if (t == absl::InfiniteFuture()) {
    out.set_seconds(253402300799);  // 9999-12-31T23:59:59Z, proto's maximum
    return out;
  }
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest));
  return out;
}

google::protobuf::Duration ToProtoDuration(absl::Duration d) {
  google::protobuf::Duration out;
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out.set_seconds(nanos / 1'000'000'000);
  out.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return out;
}

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

std::optional<absl::Duration> CheckedFromProtoDuration(
    const google::protobuf::Duration& d) {
  if (d.nanos() <= -1'000'000'000 || d.nanos() >= 1'000'000'000) {
    return std::nullopt;
  }
  if ((d.seconds() > 0 && d.nanos() < 0) ||
      (d.seconds() < 0 && d.nanos() > 0)) {
    return std::nullopt;
  }
  return FromProtoDuration(d);
}

std::optional<absl::Time> CheckedFromProtoTimestamp(
    const google::protobuf::Timestamp& t) {
  if (t.nanos() < 0 || t.nanos() >= 1'000'000'000) return std::nullopt;
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Time FromUnixSecondsDouble(double seconds) {
  return absl::UnixEpoch() + absl::Seconds(seconds);
}

double ToUnixSecondsDouble(absl::Time t) {
  return absl::ToDoubleSeconds(t - absl::UnixEpoch());
}

}  // namespace datamgmt
