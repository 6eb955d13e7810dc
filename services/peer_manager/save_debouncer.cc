#include "services/peer_manager/save_debouncer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace datamgmt::peer_manager {

absl::Status SaveDebounceOptions::Validate() const {
  if (max_delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_delay must be positive, got ", absl::FormatDuration(max_delay)));
  }
  if (retry_delay <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("retry_delay must be positive, got ",
                     absl::FormatDuration(retry_delay)));
  }
  return absl::OkStatus();
}

void SaveDebouncer::MarkDirty(absl::Time now) {
  ++version_;
  deadline_ = std::min(deadline_, now + options_.max_delay);
}

bool SaveDebouncer::SaveDue(absl::Time now) const {
  return dirty() && now >= deadline_;
}

void SaveDebouncer::OnSaved(uint64_t version) {
  saved_version_ = std::max(saved_version_, std::min(version, version_));
  if (!dirty()) deadline_ = absl::InfiniteFuture();
}

void SaveDebouncer::OnSaveFailed(absl::Time now) {
  if (dirty()) deadline_ = now + options_.retry_delay;
}

}  // namespace datamgmt::peer_manager
