#include "gateway/transcode/path_template.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace datamgmt::gateway::transcode {
namespace {

PathTemplate ParseOk(absl::string_view text) {
  absl::StatusOr<PathTemplate> t = PathTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << text << ": " << t.status();
  return t.ok() ? *std::move(t) : *PathTemplate::Parse("/unparsable");
}

Bindings MatchOk(absl::string_view text, absl::string_view path) {
  const PathTemplate t = ParseOk(text);
  EXPECT_TRUE(t.Matches(path)) << text << " " << path;
  absl::StatusOr<Bindings> b = t.Match(path);
  EXPECT_TRUE(b.ok()) << text << " " << path << ": " << b.status();
  return b.ok() ? *b : Bindings{};
}

bool Matches(absl::string_view text, absl::string_view path) {
  const PathTemplate t = ParseOk(text);
  const bool matches = t.Matches(path);
  // Matches and Match agree.
  EXPECT_EQ(t.Match(path).status().code() != absl::StatusCode::kNotFound,
            matches)
      << text << " " << path;
  return matches;
}

TEST(PathTemplateParseTest, AcceptsTheGrammar) {
  for (absl::string_view text : {
           "/data",
           "/data/{hash}",
           "/v1/peers:recordContacts",
           "/v1/health-monitor:runCheck",
           "/v1/peers/{address}",
           "/v1/*/x",
           "/v1/**",
           "/v1/{name=shelves/*/books/*}",
           "/v1/{path=**}",
           "/v1/{a.b.c}/{d_e=x/**}:verb",
           "/v1/{name=*}",
           "/~a._b-c!$&'()+,;@",
       }) {
    EXPECT_TRUE(PathTemplate::Parse(text).ok()) << text;
  }
}

TEST(PathTemplateParseTest, RejectsMalformedTemplates) {
  for (absl::string_view text : {
           "",
           "data",
           "/",
           "//a",
           "/a/",
           "/a//b",
           "/a/**/b",
           "/**/**",
           "/a/{x}/{x}",
           "/a/{x=**}/b",
           "/a/{x=y/{z}}",
           "/a/{x",
           "/a/{}",
           "/a/{1x}",
           "/a/{x..y}",
           "/a/{x=}",
           "/a/*b",
           "/a/b*",
           "/a/***",
           "/a:",
           "/a:b:c",
           "/a:b/c",
           "/a b",
           "/a%20b",
           "/a=b",
           "/a?b",
           "/a/{x}{y}",
       }) {
    const absl::StatusOr<PathTemplate> t = PathTemplate::Parse(text);
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
}

TEST(PathTemplateParseTest, ErrorNamesTheTemplate) {
  const absl::Status s = PathTemplate::Parse("/a/**/b").status();
  EXPECT_NE(s.message().find("/a/**/b"), absl::string_view::npos) << s;
  EXPECT_NE(s.message().find("last segment"), absl::string_view::npos) << s;
}

TEST(PathTemplateTest, Accessors) {
  const PathTemplate t = ParseOk("/v1/{a.b}/{c=x/**}:doIt");
  EXPECT_EQ(t.text(), "/v1/{a.b}/{c=x/**}:doIt");
  EXPECT_EQ(t.verb(), "doIt");
  EXPECT_EQ(t.FieldPaths(), (std::vector<std::string>{"a.b", "c"}));
  EXPECT_EQ(t.Shape(), "/v1/*/x/**:doIt");
  EXPECT_EQ(ParseOk("/data/{hash}").Shape(), "/data/*");
  EXPECT_EQ(ParseOk("/data/*").Shape(), "/data/*");
}

TEST(PathTemplateMatchTest, LiteralsMatchExactly) {
  EXPECT_TRUE(Matches("/network/stats", "/network/stats"));
  EXPECT_FALSE(Matches("/network/stats", "/network/stats/"));
  EXPECT_FALSE(Matches("/network/stats", "/network"));
  EXPECT_FALSE(Matches("/network/stats", "/network/stats/x"));
  EXPECT_FALSE(Matches("/network/stats", "/network/Stats"));
  EXPECT_FALSE(Matches("/network/stats", "network/stats"));
  EXPECT_FALSE(Matches("/network/stats", ""));
  EXPECT_FALSE(Matches("/network/stats", "//network/stats"));
  // Literals are compared after percent-decoding.
  EXPECT_TRUE(Matches("/network/stats", "/network/st%61ts"));
  EXPECT_FALSE(Matches("/network/stats", "/network/st%6"));
}

TEST(PathTemplateMatchTest, SingleSegmentVariable) {
  EXPECT_EQ(MatchOk("/data/{hash}", "/data/ab12"),
            (Bindings{{"hash", "ab12"}}));
  EXPECT_FALSE(Matches("/data/{hash}", "/data"));
  EXPECT_FALSE(Matches("/data/{hash}", "/data/"));
  EXPECT_FALSE(Matches("/data/{hash}", "/data/a/b"));
  EXPECT_FALSE(Matches("/data/*", "/data/"));
  EXPECT_TRUE(Matches("/data/*", "/data/x"));
}

TEST(PathTemplateMatchTest, SingleSegmentVariableDecodesEverything) {
  EXPECT_EQ(MatchOk("/v1/peers/{address}", "/v1/peers/10.0.0.7%3A8000"),
            (Bindings{{"address", "10.0.0.7:8000"}}));
  EXPECT_EQ(MatchOk("/v1/peers/{address}", "/v1/peers/10.0.0.7:8000"),
            (Bindings{{"address", "10.0.0.7:8000"}}));
  EXPECT_EQ(MatchOk("/v1/peers/{address}", "/v1/peers/%5B%3A%3A1%5D%3A80"),
            (Bindings{{"address", "[::1]:80"}}));
  EXPECT_EQ(MatchOk("/x/{v}", "/x/a%2Fb%20c+d%25"),
            (Bindings{{"v", "a/b c+d%"}}));
}

TEST(PathTemplateMatchTest, MultiSegmentVariableKeepsEncodedSlash) {
  EXPECT_EQ(MatchOk("/v1/files/{path=**}", "/v1/files/a/b%2Fc/d%20e"),
            (Bindings{{"path", "a/b%2Fc/d e"}}));
  EXPECT_EQ(MatchOk("/v1/{name=shelves/*/books/*}",
                    "/v1/shelves/s%2F1/books/b%201"),
            (Bindings{{"name", "shelves/s%2F1/books/b 1"}}));
}

TEST(PathTemplateMatchTest, DoubleWildcardMatchesZeroOrMoreSegments) {
  EXPECT_EQ(MatchOk("/v1/files/{path=**}", "/v1/files"),
            (Bindings{{"path", ""}}));
  EXPECT_EQ(MatchOk("/v1/files/{path=**}", "/v1/files/a"),
            (Bindings{{"path", "a"}}));
  EXPECT_EQ(MatchOk("/v1/files/{path=**}", "/v1/files/a/b/c"),
            (Bindings{{"path", "a/b/c"}}));
  EXPECT_TRUE(Matches("/v1/**", "/v1/x/y"));
  EXPECT_FALSE(Matches("/v1/**", "/v2/x"));
}

TEST(PathTemplateMatchTest, PatternVariables) {
  const absl::string_view t = "/v1/{name=shelves/*/books/*}";
  EXPECT_EQ(MatchOk(t, "/v1/shelves/1/books/2"),
            (Bindings{{"name", "shelves/1/books/2"}}));
  EXPECT_FALSE(Matches(t, "/v1/shelves/1/books"));
  EXPECT_FALSE(Matches(t, "/v1/shelves/1/cds/2"));
  EXPECT_FALSE(Matches(t, "/v1/shelves/1/books/2/3"));
  EXPECT_EQ(MatchOk("/v1/{a.b}/{c=x/**}", "/v1/1/x/y/z"),
            (Bindings{{"a.b", "1"}, {"c", "x/y/z"}}));
}

TEST(PathTemplateMatchTest, Verbs) {
  EXPECT_TRUE(Matches("/v1/peers:recordContacts",
                      "/v1/peers:recordContacts"));
  EXPECT_FALSE(Matches("/v1/peers:recordContacts", "/v1/peers"));
  EXPECT_FALSE(Matches("/v1/peers:recordContacts", "/v1/peers:merge"));
  EXPECT_FALSE(
      Matches("/v1/peers:recordContacts", "/v1/peers/:recordContacts"));
  EXPECT_FALSE(
      Matches("/v1/peers:recordContacts", "/v1/peers%3ArecordContacts"));
  EXPECT_FALSE(Matches("/v1/peers", "/v1/peers:recordContacts"));
  EXPECT_EQ(MatchOk("/v1/books/{id}:tag", "/v1/books/a:b:tag"),
            (Bindings{{"id", "a:b"}}));
  EXPECT_FALSE(Matches("/v1/books/{id}:tag", "/v1/books/:tag"));
  // Without a verb, a colon is part of the last segment.
  EXPECT_EQ(MatchOk("/v1/peers/{address}", "/v1/peers/h:1"),
            (Bindings{{"address", "h:1"}}));
}

TEST(PathTemplateMatchTest, MalformedEscapeInVariableIsInvalidArgument) {
  const PathTemplate t = ParseOk("/data/{hash}");
  EXPECT_TRUE(t.Matches("/data/a%zz"));
  const absl::Status s = t.Match("/data/a%zz").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("hash"), absl::string_view::npos) << s;
}

TEST(PathTemplateMatchTest, NoMatchIsNotFound) {
  EXPECT_EQ(ParseOk("/data/{hash}").Match("/other").status().code(),
            absl::StatusCode::kNotFound);
}

int Compare(absl::string_view a, absl::string_view b) {
  return PathTemplate::CompareSpecificity(ParseOk(a), ParseOk(b));
}

TEST(PathTemplateSpecificityTest, LiteralBeatsVariableBeatsDoubleWildcard) {
  EXPECT_LT(Compare("/v1/peers/stats", "/v1/peers/{address}"), 0);
  EXPECT_GT(Compare("/v1/peers/{address}", "/v1/peers/stats"), 0);
  EXPECT_LT(Compare("/v1/o/{a}", "/v1/o/{rest=**}"), 0);
  EXPECT_LT(Compare("/v1/o/x", "/v1/o/**"), 0);
  // The first differing segment decides.
  EXPECT_LT(Compare("/v1/o/lit/{b}", "/v1/o/{a}/x"), 0);
  // A template that ended beats "**" matching nothing.
  EXPECT_LT(Compare("/v1/o", "/v1/o/**"), 0);
  // With equal segments, a verb is more specific.
  EXPECT_LT(Compare("/v1/o/{a}:go", "/v1/o/{a}"), 0);
  EXPECT_EQ(Compare("/v1/{a}", "/v1/{b}"), 0);
  EXPECT_EQ(Compare("/v1/{a}", "/v1/*"), 0);
}

}  // namespace
}  // namespace datamgmt::gateway::transcode
