#include "gateway/transcode/internal/field_value.h"

#include <initializer_list>
#include <limits>
#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"
#include "testdata/transcode_testdata.pb.h"

namespace datamgmt::gateway::transcode::internal {
namespace {

using testdata::ListBooksRequest;

absl::Status Set(ListBooksRequest* request, const char* field,
                 absl::string_view text) {
  return SetFieldFromString(
      request, ListBooksRequest::descriptor()->FindFieldByName(field), text,
      {"query parameter", field});
}

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  for (absl::string_view s : std::initializer_list<absl::string_view>{
           "", "ascii", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
           "\xef\xbf\xbf", "\xf4\x8f\xbf\xbf", absl::string_view("\0", 1)}) {
    EXPECT_TRUE(IsValidUtf8(s)) << absl::CHexEscape(s);
  }
}

TEST(IsValidUtf8Test, RejectsMalformedText) {
  for (absl::string_view s : {
           "\x80",              // Continuation without a lead.
           "\xc3",              // Truncated.
           "\xc3(",             // Bad continuation.
           "\xc0\x80",          // Overlong NUL.
           "\xe0\x80\xaf",      // Overlong '/'.
           "\xed\xa0\x80",      // Surrogate.
           "\xf4\x90\x80\x80",  // Beyond U+10FFFF.
           "\xf8\x88\x80\x80\x80",
           "\xff",
       }) {
    EXPECT_FALSE(IsValidUtf8(s)) << absl::CHexEscape(s);
  }
}

TEST(SetFieldFromStringTest, ErrorNamesTheParameterAndValue) {
  ListBooksRequest request;
  const absl::Status s = Set(&request, "page_size", "ten");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "query parameter \"page_size\": \"ten\" is not an int32");
}

TEST(SetFieldFromStringTest, LongAndBinaryValuesAreQuotedSafely) {
  ListBooksRequest request;
  const absl::Status s =
      Set(&request, "page_size", std::string(200, 'x') + "\n");
  EXPECT_NE(s.message().find("xxx...\""), absl::string_view::npos) << s;
  EXPECT_EQ(Set(&request, "shelf", "\xff").message(),
            "query parameter \"shelf\": \"\\xff\" is not valid UTF-8");
}

TEST(SetFieldFromStringTest, IntegerEdges) {
  ListBooksRequest request;
  EXPECT_TRUE(Set(&request, "page_size", "-2147483648").ok());
  EXPECT_EQ(request.page_size(), -2147483648);
  EXPECT_TRUE(Set(&request, "page_size", "+7").ok());
  EXPECT_EQ(request.page_size(), 7);
  EXPECT_FALSE(Set(&request, "page_size", "-2147483649").ok());
  EXPECT_FALSE(Set(&request, "page_size", "").ok());
  EXPECT_FALSE(Set(&request, "page_size", "-").ok());
  EXPECT_FALSE(Set(&request, "page_size", " 1").ok());
  EXPECT_FALSE(Set(&request, "page_size", "1 ").ok());
  EXPECT_FALSE(Set(&request, "u32", "-0").ok());
  EXPECT_TRUE(Set(&request, "u32", "0").ok());
  EXPECT_TRUE(Set(&request, "s32", "-5").ok());
  EXPECT_EQ(request.s32(), -5);
}

TEST(SetFieldFromStringTest, FloatingPointForms) {
  ListBooksRequest request;
  EXPECT_TRUE(Set(&request, "ratio", "Infinity").ok());
  EXPECT_EQ(request.ratio(), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(Set(&request, "ratio", "-Infinity").ok());
  EXPECT_TRUE(Set(&request, "ratio", "1e-3").ok());
  EXPECT_EQ(request.ratio(), 0.001);
  EXPECT_FALSE(Set(&request, "ratio", "inf").ok());
  EXPECT_FALSE(Set(&request, "ratio", "").ok());
  EXPECT_TRUE(Set(&request, "weight", "3.4e38").ok());
  EXPECT_FALSE(Set(&request, "weight", "3.5e38").ok());
}

TEST(SetFieldFromStringTest, BytesAcceptBothBase64Alphabets) {
  ListBooksRequest request;
  EXPECT_TRUE(Set(&request, "token", "aGk=").ok());
  EXPECT_EQ(request.token(), "hi");
  EXPECT_TRUE(Set(&request, "token", "aGk").ok());
  EXPECT_EQ(request.token(), "hi");
  EXPECT_TRUE(Set(&request, "token", "+/8=").ok());
  EXPECT_EQ(request.token(), "\xfb\xff");
  EXPECT_TRUE(Set(&request, "token", "-_8").ok());
  EXPECT_EQ(request.token(), "\xfb\xff");
  EXPECT_FALSE(Set(&request, "token", "a b").ok());
  EXPECT_FALSE(Set(&request, "token", "a").ok());
}

TEST(SetFieldFromStringTest, RepeatedFieldsAppend) {
  ListBooksRequest request;
  ASSERT_TRUE(Set(&request, "ids", "1").ok());
  ASSERT_TRUE(Set(&request, "ids", "2").ok());
  EXPECT_EQ(request.ids_size(), 2);
}

}  // namespace
}  // namespace datamgmt::gateway::transcode::internal
