// Conversion between absl::Status and grpc::Status at service boundaries.
//
// The two share canonical codes (absl::StatusCode values equal
// grpc::StatusCode values), so conversion keeps the code and message:
//
//   absl::Status s = core.DoThing();
//   return ToGrpcStatus(s);                   // in a service handler
//   absl::Status r = FromGrpcStatus(stub_status);  // after a client call
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_COMMON_STATUS_GRPC_STATUS_H_
#define DATAMGMT_COMMON_STATUS_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace datamgmt {

// Same code and message. OK maps to grpc::Status::OK.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Same code and message. A code outside the canonical range becomes UNKNOWN.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_STATUS_GRPC_STATUS_H_
