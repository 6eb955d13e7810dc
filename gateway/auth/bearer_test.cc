#include "gateway/auth/bearer.h"

#include <string>

#include "gtest/gtest.h"

namespace datamgmt::gateway::auth {
namespace {

TEST(BearerTokenTest, ReadsTheTokenOfABearerCredential) {
  EXPECT_EQ(BearerToken("Bearer abc123"), "abc123");
  EXPECT_EQ(BearerToken("Bearer a-b.c_d~e+f/g=="), "a-b.c_d~e+f/g==");
}

TEST(BearerTokenTest, SchemeIsCaseInsensitive) {
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER abc"), "abc");
  EXPECT_EQ(BearerToken("bEaReR abc"), "abc");
}

TEST(BearerTokenTest, ExtraSpacesAndTabsAreSkipped) {
  EXPECT_EQ(BearerToken("Bearer    abc"), "abc");
  EXPECT_EQ(BearerToken("  Bearer abc  "), "abc");
  EXPECT_EQ(BearerToken("Bearer\tabc\t"), "abc");
  EXPECT_EQ(BearerToken("\t Bearer \t abc"), "abc");
}

TEST(BearerTokenTest, MissingTokenOrOtherSchemeIsNoToken) {
  EXPECT_EQ(BearerToken(""), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer    "), std::nullopt);
  EXPECT_EQ(BearerToken("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearerabc"), std::nullopt);  // no separator
  EXPECT_EQ(BearerToken("abc"), std::nullopt);        // bare token
  EXPECT_EQ(BearerToken("Token abc"), std::nullopt);
}

TEST(BearerTokenTest, TokenWithInnerSpaceOrControlCharacterIsRefused) {
  EXPECT_EQ(BearerToken("Bearer abc def"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer abc\tdef"), std::nullopt);
  EXPECT_EQ(BearerToken(std::string("Bearer ab\0c", 11)), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer ab\x7f"), std::nullopt);
}

TEST(TokensEqualTest, EqualOnlyForTheSameBytes) {
  EXPECT_TRUE(TokensEqual("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(TokensEqual("s3cret-token", "s3cret-tokeN"));
  EXPECT_FALSE(TokensEqual("s3cret-token", "t3cret-token"));
  EXPECT_FALSE(TokensEqual("s3cret-token", "S3CRET-TOKEN"));  // case counts
}

TEST(TokensEqualTest, DifferentLengthsNeverMatch) {
  EXPECT_FALSE(TokensEqual("s3cret-token", "s3cret"));          // prefix
  EXPECT_FALSE(TokensEqual("s3cret-token", "s3cret-token-x"));  // extension
  EXPECT_FALSE(TokensEqual("s3cret-token", ""));
  EXPECT_FALSE(TokensEqual("", "x"));
  EXPECT_FALSE(TokensEqual("s3cret-token", std::string("s3cret-token\0", 13)));
}

TEST(TokenMatcherTest, MatchesTheExpectedTokenOnly) {
  const TokenMatcher matcher("expected");
  EXPECT_TRUE(matcher.Matches("expected"));
  EXPECT_FALSE(matcher.Matches("expecte"));
  EXPECT_FALSE(matcher.Matches("unexpected"));
  EXPECT_TRUE(matcher.Matches("expected"));  // stateless
}

}  // namespace
}  // namespace datamgmt::gateway::auth
