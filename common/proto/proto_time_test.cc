#include "common/proto/proto_time.h"

#include "gtest/gtest.h"

namespace datamgmt {
namespace {

TEST(ProtoTimeTest, TimestampKeepsNanosecondsAndHandlesPreEpoch) {
  const absl::Time t = absl::FromUnixNanos(1705312200'500000001);
  google::protobuf::Timestamp ts = ToProtoTimestamp(t);
  EXPECT_EQ(ts.seconds(), 1705312200);
  EXPECT_EQ(ts.nanos(), 500000001);
  google::protobuf::Timestamp before =
      ToProtoTimestamp(absl::FromUnixNanos(-1));
  EXPECT_EQ(before.seconds(), -1);
  EXPECT_EQ(before.nanos(), 999999999) << "nanos must be non-negative";
}

TEST(ProtoTimeTest, InfiniteTimesClamp) {
  EXPECT_EQ(ToProtoTimestamp(absl::InfinitePast()).seconds(), 0);
  EXPECT_EQ(ToProtoTimestamp(absl::InfiniteFuture()).seconds(), 253402300799);
}

TEST(ProtoTimeTest, DurationRoundTrips) {
  const absl::Duration d = absl::Milliseconds(1500) + absl::Nanoseconds(7);
  google::protobuf::Duration p = ToProtoDuration(d);
  EXPECT_EQ(p.seconds(), 1);
  EXPECT_EQ(p.nanos(), 500000007);
  EXPECT_EQ(FromProtoDuration(p), d);
  EXPECT_EQ(FromProtoDuration(ToProtoDuration(-d)), -d);
}

TEST(ProtoTimeTest, CheckedParsersRejectMalformedProtos) {
  google::protobuf::Duration d;
  d.set_seconds(2);
  d.set_nanos(5);
  EXPECT_EQ(CheckedFromProtoDuration(d),
            absl::Seconds(2) + absl::Nanoseconds(5));
  d.set_nanos(-5);  // signs disagree
  EXPECT_EQ(CheckedFromProtoDuration(d), std::nullopt);
  d.set_seconds(0);
  d.set_nanos(1'000'000'000);
  EXPECT_EQ(CheckedFromProtoDuration(d), std::nullopt);
  google::protobuf::Timestamp t;
  t.set_seconds(1705312200);
  t.set_nanos(500'000'000);
  EXPECT_EQ(CheckedFromProtoTimestamp(t), absl::FromUnixMillis(1705312200500));
  t.set_nanos(-1);
  EXPECT_EQ(CheckedFromProtoTimestamp(t), std::nullopt);
}

TEST(ProtoTimeTest, SeedUnixSecondsWithFraction) {
  // known_peers.json's "last_seen": 1705312200.5
  const absl::Time t = FromUnixSecondsDouble(1705312200.5);
  EXPECT_EQ(t, absl::FromUnixMillis(1705312200500));
  EXPECT_DOUBLE_EQ(ToUnixSecondsDouble(t), 1705312200.5);
}

}  // namespace
}  // namespace datamgmt
