#include "services/peer_manager/save_debouncer.h"

#include "gtest/gtest.h"

namespace datamgmt::peer_manager {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'705'312'200);
constexpr absl::Duration kEps = absl::Nanoseconds(1);

TEST(SaveDebouncerTest, OptionsDefaultsAndValidation) {
  SaveDebounceOptions options;
  EXPECT_TRUE(options.Validate().ok());
  EXPECT_EQ(options.max_delay, absl::Seconds(10));
  options.max_delay = absl::ZeroDuration();
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  options = SaveDebounceOptions();
  options.retry_delay = -absl::Seconds(1);
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SaveDebouncerTest, ChangesAreWrittenWithinTenSeconds) {
  SaveDebouncer d{SaveDebounceOptions()};
  EXPECT_FALSE(d.dirty());
  EXPECT_EQ(d.deadline(), absl::InfiniteFuture());
  d.MarkDirty(kT0);
  d.MarkDirty(kT0 + absl::Seconds(4));  // batched: the deadline stands
  EXPECT_EQ(d.deadline(), kT0 + absl::Seconds(10));
  EXPECT_FALSE(d.SaveDue(kT0 + absl::Seconds(10) - kEps));
  EXPECT_TRUE(d.SaveDue(kT0 + absl::Seconds(10)));
  d.OnSaved(d.version());
  EXPECT_FALSE(d.dirty());
  EXPECT_FALSE(d.SaveDue(kT0 + absl::Hours(1)));
  EXPECT_EQ(d.deadline(), absl::InfiniteFuture());
}

TEST(SaveDebouncerTest, ChangeDuringASaveKeepsItDirty) {
  SaveDebouncer d{SaveDebounceOptions()};
  d.MarkDirty(kT0);
  const uint64_t snapshot = d.version();
  d.MarkDirty(kT0 + absl::Seconds(10));  // while the write runs
  d.OnSaved(snapshot);
  EXPECT_TRUE(d.dirty());
  EXPECT_TRUE(d.SaveDue(kT0 + absl::Seconds(10)));
  d.OnSaved(d.version());
  EXPECT_FALSE(d.dirty());
}

TEST(SaveDebouncerTest, FailedWriteIsRetried) {
  SaveDebouncer d{SaveDebounceOptions()};
  d.MarkDirty(kT0);
  const absl::Time failed = kT0 + absl::Seconds(10);
  d.OnSaveFailed(failed);
  EXPECT_TRUE(d.dirty());
  EXPECT_FALSE(d.SaveDue(failed + absl::Seconds(10) - kEps));
  EXPECT_TRUE(d.SaveDue(failed + absl::Seconds(10)));
}

TEST(SaveDebouncerTest, ImmediateSaveOfAnAddCleansEarlierBatches) {
  SaveDebouncer d{SaveDebounceOptions()};
  d.MarkDirty(kT0);                     // a RecordContacts batch
  d.MarkDirty(kT0 + absl::Seconds(1));  // an AddPeer, saved before it returns
  d.OnSaved(d.version());
  EXPECT_FALSE(d.dirty());
}

}  // namespace
}  // namespace datamgmt::peer_manager
