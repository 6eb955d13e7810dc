#include "gateway/transcode/internal/percent.h"

#include <string>

#include "gtest/gtest.h"

namespace datamgmt::gateway::transcode::internal {
namespace {

std::string Decode(absl::string_view in, Decoding mode) {
  std::string out;
  EXPECT_TRUE(PercentDecode(in, mode, &out)) << in;
  return out;
}

TEST(PercentDecodeTest, SegmentDecodesEverythingIncludingSlash) {
  EXPECT_EQ(Decode("10.0.0.7%3A8000", Decoding::kSegment), "10.0.0.7:8000");
  EXPECT_EQ(Decode("a%2Fb%2fc", Decoding::kSegment), "a/b/c");
  EXPECT_EQ(Decode("a+b", Decoding::kSegment), "a+b");
  EXPECT_EQ(Decode("%e2%82%AC", Decoding::kSegment), "\xe2\x82\xac");
  EXPECT_EQ(Decode("%00", Decoding::kSegment), std::string(1, '\0'));
  EXPECT_EQ(Decode("", Decoding::kSegment), "");
}

TEST(PercentDecodeTest, MultiSegmentKeepsEncodedSlash) {
  EXPECT_EQ(Decode("a%2Fb%2fc/d%20e", Decoding::kMultiSegment),
            "a%2Fb%2fc/d e");
}

TEST(PercentDecodeTest, QueryDecodesPlusAsSpace) {
  EXPECT_EQ(Decode("a+b%2B%26", Decoding::kQuery), "a b+&");
}

TEST(PercentDecodeTest, RejectsMalformedEscapes) {
  std::string out;
  for (absl::string_view bad : {"%", "%4", "a%zz", "%g0", "abc%2"}) {
    EXPECT_FALSE(PercentDecode(bad, Decoding::kSegment, &out)) << bad;
  }
}

TEST(DecodedEqualsTest, ComparesAfterDecoding) {
  EXPECT_TRUE(DecodedEquals("peers", "peers"));
  EXPECT_TRUE(DecodedEquals("p%65ers", "peers"));
  EXPECT_FALSE(DecodedEquals("p%65er", "peers"));
  EXPECT_FALSE(DecodedEquals("p%65erss", "peers"));
  EXPECT_FALSE(DecodedEquals("peers%", "peers"));
  EXPECT_FALSE(DecodedEquals("peers%2", "peers%2"));
  EXPECT_TRUE(DecodedEquals("", ""));
}

TEST(HexDigitValueTest, AllDigits) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('%'), -1);
}

}  // namespace
}  // namespace datamgmt::gateway::transcode::internal
