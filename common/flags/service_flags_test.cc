#include "common/flags/service_flags.h"

#include "absl/flags/flag.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, svc_test_port, 8000, "a port");
ABSL_FLAG(absl::Duration, svc_test_timeout, absl::Seconds(2), "a duration");

namespace datamgmt {
namespace {

TEST(ServiceFlagsTest, AcceptsWellFormedArguments) {
  EXPECT_EQ(CheckFlagArguments({"prog", "--svc_test_port=9000",
                                "-svc_test_timeout=5s", "positional"}),
            "");
}

TEST(ServiceFlagsTest, NamesTheUnknownFlag) {
  EXPECT_EQ(CheckFlagArguments({"prog", "--no_such_flag=1"}),
            "unknown flag --no_such_flag");
}

TEST(ServiceFlagsTest, NamesTheFlagWithAMalformedValue) {
  const std::string error = CheckFlagArguments(
      {"prog", "--svc_test_timeout=5s", "--svc_test_port=abc"});
  EXPECT_EQ(error.rfind("invalid value for --svc_test_port", 0), 0u) << error;
  // Arguments after "--" are not flags.
  EXPECT_EQ(CheckFlagArguments({"prog", "--", "--svc_test_port=abc"}), "");
}

TEST(ServiceFlagsDeathTest, ChecksExitWithStatusTwoNamingTheFlag) {
  EXPECT_EXIT(CheckPort("p2p_port", 70000), testing::ExitedWithCode(2),
              "--p2p_port must be 0..65535, got 70000");
  EXPECT_EXIT(CheckPositiveDuration("rpc_timeout", absl::ZeroDuration()),
              testing::ExitedWithCode(2), "--rpc_timeout must be a positive");
  EXPECT_EXIT(CheckNonNegativeDuration("shutdown_grace", -absl::Seconds(1)),
              testing::ExitedWithCode(2), "--shutdown_grace must be a finite");
}

}  // namespace
}  // namespace datamgmt
