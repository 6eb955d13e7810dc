#include "gateway/auth/token_source.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::auth {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  return path;
}

TEST(LoadTokenTest, NothingConfiguredIsEmpty) {
  absl::StatusOr<std::string> token = LoadToken("", "");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "");
}

TEST(LoadTokenTest, FileGivesItsFirstLineTrimmed) {
  EXPECT_EQ(LoadToken(WriteFile("a", "s3cret\n"), "").value(), "s3cret");
  EXPECT_EQ(LoadToken(WriteFile("b", "s3cret"), "").value(), "s3cret");
  EXPECT_EQ(LoadToken(WriteFile("c", "  s3cret \r\nsecond line\n"), "").value(),
            "s3cret");
}

TEST(LoadTokenTest, ValueIsTrimmed) {
  EXPECT_EQ(LoadToken("", "s3cret").value(), "s3cret");
  EXPECT_EQ(LoadToken("", " s3cret\t").value(), "s3cret");
}

TEST(LoadTokenTest, EmptyFirstLineOrBlankValueIsAnError) {
  for (const char* contents : {"", "\n", "   \nsecond\n", "\r\n"}) {
    absl::StatusOr<std::string> token =
        LoadToken(WriteFile("empty", contents), "");
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(token.status().message(), HasSubstr("first line is empty"));
  }
  EXPECT_EQ(LoadToken("", "  ").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LoadTokenTest, UnreadableFileIsNamedWithTheReason) {
  const std::string missing = absl::StrCat(::testing::TempDir(), "/nope");
  absl::StatusOr<std::string> token = LoadToken(missing, "");
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(),
              AllOf(HasSubstr(missing), HasSubstr("No such file")));
  absl::StatusOr<std::string> dir = LoadToken(::testing::TempDir(), "");
  EXPECT_EQ(dir.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LoadTokenTest, BothSourcesAreAnErrorThatDoesNotShowTheToken) {
  absl::StatusOr<std::string> token =
      LoadToken(WriteFile("d", "from-file\n"), "from-env");
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(),
              AllOf(HasSubstr("set one"), Not(HasSubstr("from-file")),
                    Not(HasSubstr("from-env"))));
}

}  // namespace
}  // namespace datamgmt::gateway::auth
