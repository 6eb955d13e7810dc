// The gRPC-over-HTTP timeout format of the Grpc-Timeout header, as
// grpc-gateway accepts it: 1 to 8 digits and a unit, H (hours), M (minutes),
// S (seconds), m (milliseconds), u (microseconds) or n (nanoseconds), e.g.
// "500m" or "10S".
#ifndef DATAMGMT_GATEWAY_GRPC_TIMEOUT_H_
#define DATAMGMT_GATEWAY_GRPC_TIMEOUT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace datamgmt::gateway {

// Parses a Grpc-Timeout value. InvalidArgument names the problem.
absl::StatusOr<absl::Duration> ParseGrpcTimeout(absl::string_view text);

}  // namespace datamgmt::gateway

#endif  // DATAMGMT_GATEWAY_GRPC_TIMEOUT_H_
