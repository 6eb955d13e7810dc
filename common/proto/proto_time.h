// absl time <-> protobuf well-known types (Timestamp, Duration) and the
// seed's Unix-seconds-with-fraction times, for the services' adapters.
//
//   *round.mutable_start_time() = ToProtoTimestamp(result.started_at);
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_COMMON_PROTO_PROTO_TIME_H_
#define DATAMGMT_COMMON_PROTO_PROTO_TIME_H_

#include <optional>

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/timestamp.pb.h"

namespace datamgmt {

// Infinite times clamp to the Unix epoch (past) or are left at seconds max.
google::protobuf::Timestamp ToProtoTimestamp(absl::Time t);
google::protobuf::Duration ToProtoDuration(absl::Duration d);
absl::Duration FromProtoDuration(const google::protobuf::Duration& d);

// For untrusted input: nullopt unless the proto is well formed (Duration:
// |nanos| < 1e9 and nanos' sign agrees with seconds'; Timestamp:
// 0 <= nanos < 1e9).
std::optional<absl::Duration> CheckedFromProtoDuration(
    const google::protobuf::Duration& d);
std::optional<absl::Time> CheckedFromProtoTimestamp(
    const google::protobuf::Timestamp& t);
// A peer's last_seen (Unix seconds with a fraction) as a time.
absl::Time FromUnixSecondsDouble(double seconds);
// The inverse: Unix seconds with a fraction.
double ToUnixSecondsDouble(absl::Time t);

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_PROTO_PROTO_TIME_H_
