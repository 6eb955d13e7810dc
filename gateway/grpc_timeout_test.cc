#include "gateway/grpc_timeout.h"

#include "gtest/gtest.h"

namespace datamgmt::gateway {
namespace {

TEST(GrpcTimeoutTest, ParsesEveryUnit) {
  EXPECT_EQ(*ParseGrpcTimeout("2H"), absl::Hours(2));
  EXPECT_EQ(*ParseGrpcTimeout("3M"), absl::Minutes(3));
  EXPECT_EQ(*ParseGrpcTimeout("10S"), absl::Seconds(10));
  EXPECT_EQ(*ParseGrpcTimeout("500m"), absl::Milliseconds(500));
  EXPECT_EQ(*ParseGrpcTimeout("7u"), absl::Microseconds(7));
  EXPECT_EQ(*ParseGrpcTimeout("99999999n"), absl::Nanoseconds(99999999));
}

TEST(GrpcTimeoutTest, RejectsMalformedValues) {
  for (const char* bad : {"", "S", "5", "5s", "-5S", "1.5S", "123456789S",
                          "5 S", "S5"}) {
    absl::StatusOr<absl::Duration> d = ParseGrpcTimeout(bad);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(ParseGrpcTimeout("5x").status().message().find("Grpc-Timeout"),
            absl::string_view::npos);
}

}  // namespace
}  // namespace datamgmt::gateway
