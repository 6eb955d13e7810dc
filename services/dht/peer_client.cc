#include "services/dht/peer_client.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace datamgmt::dht {
namespace {
constexpr char kDialledSelfPayload[] = "type.datamgmt.dev/dht.DialledSelf";
}  // namespace

absl::Status DialledSelfError(absl::string_view address) {
  absl::Status status = absl::FailedPreconditionError(
      absl::StrCat(address, " is this node itself"));
  status.SetPayload(kDialledSelfPayload, absl::Cord(address));
  return status;
}

bool IsDialledSelf(const absl::Status& status) {
  return status.code() == absl::StatusCode::kFailedPrecondition &&
         status.GetPayload(kDialledSelfPayload).has_value();
}

}  // namespace datamgmt::dht
