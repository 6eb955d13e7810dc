#include "gateway/transcode/route_table.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway/transcode/internal/test_services.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::transcode {
namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FileDescriptorProto;
using testing::RealRoutes;
using testing::TestdataRoutes;
using Strings = std::vector<std::string>;

// The method a request reaches, "" if none.
std::string Target(const RouteTable& table, absl::string_view method,
                   absl::string_view path) {
  const MatchResult m = table.Match(method, path);
  if (m.route == nullptr) return "";
  EXPECT_TRUE(m.status.ok());
  EXPECT_EQ(m.http_status(), 200);
  return m.route->method->full_name();
}

TEST(RouteTableTest, RealServicesHaveTheContractRoutes) {
  const RouteTable& table = RealRoutes();
  EXPECT_TRUE(table.warnings().empty());
  std::map<std::string, std::string> routes;
  for (const Route& r : table.routes()) {
    routes[r.method->full_name()] = r.http_method + " " + r.pattern;
  }
  const std::map<std::string, std::string> expected = {
      {"datamgmt.dht.v1.DhtService.PutData", "POST /data"},
      {"datamgmt.dht.v1.DhtService.GetData", "GET /data/{hash}"},
      {"datamgmt.dht.v1.DhtService.GetNetworkStats", "GET /network/stats"},
      {"datamgmt.dht.v1.DhtService.GetDhtStats", "GET /v1/dht/stats"},
      {"datamgmt.dht.v1.DhtService.RotateIdentity",
       "POST /admin/rotate-identity"},
      {"datamgmt.peers.v1.PeerManager.ListPeers", "GET /network/peers"},
      {"datamgmt.peers.v1.PeerManager.GetPeer", "GET /v1/peers/{address}"},
      {"datamgmt.peers.v1.PeerManager.AddPeer", "POST /v1/peers"},
      {"datamgmt.peers.v1.PeerManager.RemovePeer",
       "DELETE /v1/peers/{address}"},
      {"datamgmt.peers.v1.PeerManager.RecordContacts",
       "POST /v1/peers:recordContacts"},
      {"datamgmt.peers.v1.PeerManager.MergePeers", "POST /v1/peers:merge"},
      {"datamgmt.peers.v1.PeerManager.ReportPeerStandings",
       "POST /v1/peers:reportStandings"},
      {"datamgmt.peers.v1.PeerManager.GetPeerStats", "GET /v1/peers/stats"},
      {"datamgmt.health.v1.HealthMonitor.GetStatus",
       "GET /v1/health-monitor/status"},
      {"datamgmt.health.v1.HealthMonitor.RunCheck",
       "POST /v1/health-monitor:runCheck"},
  };
  EXPECT_EQ(routes, expected);
  EXPECT_EQ(table.size(), expected.size());
}

TEST(RouteTableTest, RouteFields) {
  const Route& put =
      testing::RouteOf(RealRoutes(), "datamgmt.dht.v1.DhtService.PutData");
  EXPECT_EQ(put.http_method, "POST");
  EXPECT_EQ(put.pattern, "/data");
  EXPECT_EQ(put.path_template.text(), "/data");
  EXPECT_EQ(put.body, "*");
  EXPECT_EQ(put.response_body, "");
  EXPECT_EQ(put.grpc_method, "/datamgmt.dht.v1.DhtService/PutData");

  const Route& get =
      testing::RouteOf(RealRoutes(), "datamgmt.dht.v1.DhtService.GetData");
  EXPECT_EQ(get.body, "");
  EXPECT_EQ(get.response_body, "data");
  EXPECT_EQ(get.path_template.FieldPaths(), Strings{"hash"});
}

TEST(RouteTableTest, EveryRealRouteIsReachedByItsMethodAndPath) {
  const RouteTable& table = RealRoutes();
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"POST /data", "datamgmt.dht.v1.DhtService.PutData"},
      {"GET /data/" + std::string(64, 'a'),
       "datamgmt.dht.v1.DhtService.GetData"},
      {"GET /network/stats", "datamgmt.dht.v1.DhtService.GetNetworkStats"},
      {"GET /v1/dht/stats", "datamgmt.dht.v1.DhtService.GetDhtStats"},
      {"POST /admin/rotate-identity",
       "datamgmt.dht.v1.DhtService.RotateIdentity"},
      {"GET /network/peers", "datamgmt.peers.v1.PeerManager.ListPeers"},
      {"GET /network/peers?healthy=true",
       "datamgmt.peers.v1.PeerManager.ListPeers"},
      {"GET /v1/peers/10.0.0.7%3A8000",
       "datamgmt.peers.v1.PeerManager.GetPeer"},
      {"GET /v1/peers/10.0.0.7:8000", "datamgmt.peers.v1.PeerManager.GetPeer"},
      {"POST /v1/peers", "datamgmt.peers.v1.PeerManager.AddPeer"},
      {"DELETE /v1/peers/h%3A1", "datamgmt.peers.v1.PeerManager.RemovePeer"},
      {"POST /v1/peers:recordContacts",
       "datamgmt.peers.v1.PeerManager.RecordContacts"},
      {"POST /v1/peers:merge", "datamgmt.peers.v1.PeerManager.MergePeers"},
      {"POST /v1/peers:reportStandings",
       "datamgmt.peers.v1.PeerManager.ReportPeerStandings"},
      {"GET /v1/peers/stats", "datamgmt.peers.v1.PeerManager.GetPeerStats"},
      {"GET /v1/health-monitor/status",
       "datamgmt.health.v1.HealthMonitor.GetStatus"},
      {"POST /v1/health-monitor:runCheck",
       "datamgmt.health.v1.HealthMonitor.RunCheck"},
  };
  for (const auto& [request, method] : requests) {
    const size_t space = request.find(' ');
    EXPECT_EQ(
        Target(table, request.substr(0, space), request.substr(space + 1)),
        method)
        << request;
  }
}

TEST(RouteTableTest, BindingsComeWithTheRoute) {
  const MatchResult m =
      RealRoutes().Match("GET", "/v1/peers/%5B%3A%3A1%5D%3A8000");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.bindings, (Bindings{{"address", "[::1]:8000"}}));
  const MatchResult d = RealRoutes().Match("GET", "/data/AbC?x=1#frag");
  ASSERT_NE(d.route, nullptr);
  EXPECT_EQ(d.bindings, (Bindings{{"hash", "AbC"}}));
}

TEST(RouteTableTest, LiteralRouteBeatsVariableRoute) {
  // GetPeerStats's /v1/peers/stats, not GetPeer's /v1/peers/{address}.
  EXPECT_EQ(Target(RealRoutes(), "GET", "/v1/peers/stats"),
            "datamgmt.peers.v1.PeerManager.GetPeerStats");
  EXPECT_EQ(Target(RealRoutes(), "GET", "/v1/peers/st%61ts"),
            "datamgmt.peers.v1.PeerManager.GetPeerStats");
  EXPECT_EQ(Target(RealRoutes(), "GET", "/v1/peers/statz"),
            "datamgmt.peers.v1.PeerManager.GetPeer");
}

TEST(RouteTableTest, MostSpecificOfOverlappingTemplatesWins) {
  const RouteTable& t = TestdataRoutes();
  const std::string o = "datamgmt.gateway.transcode.testdata.Overlap.";
  // /v1/o/lit/{b} beats /v1/o/{a}/x at segment 3, though {a}/x ends with a
  // literal.
  EXPECT_EQ(Target(t, "GET", "/v1/o/lit/x"), o + "LiteralThenVar");
  EXPECT_EQ(Target(t, "GET", "/v1/o/other/x"), o + "VarThenLiteral");
  EXPECT_EQ(Target(t, "GET", "/v1/o/q"), o + "Single");
  EXPECT_EQ(Target(t, "GET", "/v1/o/q:go"), o + "Verb");
  EXPECT_EQ(Target(t, "GET", "/v1/o"), o + "Rest");
  EXPECT_EQ(Target(t, "GET", "/v1/o/a/b/c"), o + "Rest");
  EXPECT_EQ(t.Match("GET", "/v1/o/q:go").bindings, (Bindings{{"a", "q"}}));
  EXPECT_EQ(t.Match("GET", "/v1/o/a/b/c").bindings,
            (Bindings{{"rest", "a/b/c"}}));
}

TEST(RouteTableTest, UnknownPathIsNotFound) {
  for (absl::string_view path : {"/", "/nope", "/data/a/b", "/data/",
                                 "/network/stats/", "/v1/peers:nope", ""}) {
    const MatchResult m = RealRoutes().Match("GET", path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_EQ(m.status.code(), absl::StatusCode::kNotFound) << path;
    EXPECT_EQ(m.status.message(), "Not Found");
    EXPECT_TRUE(m.allowed_methods.empty()) << path;
    EXPECT_EQ(m.http_status(), 404) << path;
  }
}

TEST(RouteTableTest, WrongMethodListsTheAllowedOnes) {
  const RouteTable& t = RealRoutes();
  auto allowed = [&](absl::string_view method, absl::string_view path) {
    const MatchResult m = t.Match(method, path);
    EXPECT_EQ(m.route, nullptr);
    if (!m.allowed_methods.empty()) {
      EXPECT_EQ(m.status.code(), absl::StatusCode::kUnimplemented);
      EXPECT_EQ(m.status.message(), "Method Not Allowed");
      EXPECT_EQ(m.http_status(), 405);
    }
    return m.allowed_methods;
  };
  EXPECT_EQ(allowed("GET", "/data"), Strings{"POST"});
  EXPECT_EQ(allowed("PUT", "/data/abc"), Strings{"GET"});
  EXPECT_EQ(allowed("POST", "/v1/peers/h%3A1"),
            (Strings{"DELETE", "GET"}));
  // DELETE /v1/peers/{address} matches /v1/peers/stats too (and the
  // server rejects the address "stats").
  EXPECT_EQ(Target(t, "DELETE", "/v1/peers/stats"),
            "datamgmt.peers.v1.PeerManager.RemovePeer");
  EXPECT_EQ(allowed("PATCH", "/v1/peers/stats"), (Strings{"DELETE", "GET"}));
  EXPECT_EQ(allowed("GET", "/v1/peers:recordContacts"), Strings{"POST"});
  EXPECT_EQ(allowed("get", "/network/stats"), Strings{"GET"});
  EXPECT_EQ(allowed("HEAD", "/v1/health-monitor/status"), Strings{"GET"});
}

TEST(RouteTableTest, MalformedEscapeInAVariableIsBadRequest) {
  const MatchResult m = RealRoutes().Match("GET", "/v1/peers/h%3");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_EQ(m.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(m.http_status(), 400);
}

TEST(RouteTableTest, TestdataShapes) {
  const RouteTable& t = TestdataRoutes();
  const std::string l = "datamgmt.gateway.transcode.testdata.Library.";
  EXPECT_EQ(Target(t, "GET", "/v1/shelves/1/books/2"), l + "GetBook");
  EXPECT_EQ(Target(t, "GET", "/v1/nested/s1/42/COLOR_RED"), l + "GetNested");
  EXPECT_EQ(t.Match("GET", "/v1/nested/s1/42/COLOR_RED").bindings,
            (Bindings{{"book.shelf.id", "s1"},
                      {"book.count", "42"},
                      {"color", "COLOR_RED"}}));
  EXPECT_EQ(Target(t, "GET", "/v1/files/a/b%2Fc"), l + "GetFile");
  EXPECT_EQ(t.Match("GET", "/v1/files/a/b%2Fc").bindings,
            (Bindings{{"path", "a/b%2Fc"}}));
  // A rule and its additional binding.
  EXPECT_EQ(Target(t, "GET", "/v1/books"), l + "ListBooks");
  EXPECT_EQ(Target(t, "GET", "/v1/shelves/s/books"), l + "ListBooks");
  EXPECT_EQ(Target(t, "PATCH", "/v1/books/7"), l + "UpdateBook");
  EXPECT_EQ(Target(t, "POST", "/v1/books/7:tag"), l + "TagBook");
  // A custom method.
  EXPECT_EQ(Target(t, "HEAD", "/v1/books/7"), l + "HeadBook");
  EXPECT_EQ(t.Match("GET", "/v1/books/7").allowed_methods,
            (Strings{"HEAD", "PATCH"}));
}

TEST(RouteTableTest, StreamingMethodWithARuleIsAWarningNotARoute) {
  const RouteTable& t = TestdataRoutes();
  ASSERT_EQ(t.warnings().size(), 1u);
  EXPECT_NE(t.warnings()[0].find("Library.Watch"), std::string::npos);
  EXPECT_EQ(t.Match("GET", "/v1/watch").status.code(),
            absl::StatusCode::kNotFound);
}

TEST(RouteTableTest, NullServiceIsInvalid) {
  EXPECT_EQ(RouteTable::Build({nullptr}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RouteTableTest, EmptyTableFindsNothing) {
  const absl::StatusOr<RouteTable> t = RouteTable::Build({});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->size(), 0u);
  EXPECT_EQ(t->Match("GET", "/x").http_status(), 404);
}

// Builds a service "bad.S" whose methods have the given options, in a pool
// of its own. Each method is "rpc <name>(Req) returns (Resp)".
class BadRuleTest : public ::testing::Test {
 protected:
  absl::Status Build(const std::vector<std::pair<std::string, std::string>>&
                         methods_and_rules) {
    std::string text = R"pb(
      name: "bad.proto"
      package: "bad"
      syntax: "proto3"
      message_type {
        name: "Inner"
        field { name: "id" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
      }
      message_type {
        name: "Req"
        field { name: "id" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
        field {
          name: "tags"
          number: 2
          type: TYPE_STRING
          label: LABEL_REPEATED
        }
        field {
          name: "inner"
          number: 3
          type: TYPE_MESSAGE
          type_name: ".bad.Inner"
          label: LABEL_OPTIONAL
        }
      }
      message_type {
        name: "Resp"
        field { name: "data" number: 1 type: TYPE_BYTES label: LABEL_OPTIONAL }
      }
    )pb";
    text += "service { name: \"S\" ";
    for (const auto& [name, rule] : methods_and_rules) {
      text += "method { name: \"" + name +
              "\" input_type: \".bad.Req\" output_type: \".bad.Resp\" "
              "options { [google.api.http] { " +
              rule + " } } }";
    }
    text += "}";
    FileDescriptorProto proto;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &proto))
        << text;
    // A pool per call: each builds its own "bad.proto".
    pools_.push_back(std::make_unique<DescriptorPool>());
    const auto* file = pools_.back()->BuildFile(proto);
    EXPECT_NE(file, nullptr);
    if (file == nullptr) return absl::InternalError("no file");
    absl::StatusOr<RouteTable> table =
        RouteTable::Build({file->FindServiceByName("S")});
    if (table.ok()) size_ = table->size();
    return table.status();
  }

  void ExpectInvalid(const std::vector<std::pair<std::string, std::string>>&
                         methods_and_rules,
                     absl::string_view message_part) {
    const absl::Status s = Build(methods_and_rules);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_NE(s.message().find(message_part), absl::string_view::npos) << s;
  }

  std::vector<std::unique_ptr<DescriptorPool>> pools_;
  size_t size_ = 0;
};

TEST_F(BadRuleTest, AValidRuleBuilds) {
  EXPECT_TRUE(Build({{"M", R"(get: "/x/{inner.id}" response_body: "data")"},
                     {"N", R"(post: "/x" body: "inner")"}})
                  .ok());
  EXPECT_EQ(size_, 2u);
}

TEST_F(BadRuleTest, RejectsUnknownFields) {
  ExpectInvalid({{"M", R"(get: "/x/{nope}")"}}, "bad.S.M");
  ExpectInvalid({{"M", R"(get: "/x/{inner.nope}")"}}, "nope");
  ExpectInvalid({{"M", R"(post: "/x" body: "nope")"}}, "body \"nope\"");
  ExpectInvalid({{"M", R"(get: "/x" response_body: "nope")"}},
                "response_body \"nope\"");
}

TEST_F(BadRuleTest, RejectsPathVariablesThatAreNotSingularScalars) {
  ExpectInvalid({{"M", R"(get: "/x/{tags}")"}}, "tags");
  ExpectInvalid({{"M", R"(get: "/x/{inner}")"}}, "inner");
  ExpectInvalid({{"M", R"(get: "/x/{id.more}")"}}, "id");
  ExpectInvalid({{"M", R"(post: "/x/{inner.id}" body: "inner")"}},
                "inside the body");
}

TEST_F(BadRuleTest, RejectsMalformedTemplatesAndPatterns) {
  ExpectInvalid({{"M", R"(get: "/x/**/y")"}}, "last segment");
  ExpectInvalid({{"M", R"(body: "*")"}}, "without a pattern");
  ExpectInvalid({{"M", R"(custom { path: "/x" })"}}, "kind");
  ExpectInvalid({{"M", R"(get: "/x" additional_bindings {
                               get: "/y" additional_bindings { get: "/z" }
                             })"}},
                "additional");
}

TEST_F(BadRuleTest, RejectsConflictingRoutes) {
  ExpectInvalid({{"M", R"(get: "/x/{id}")"}, {"N", R"(get: "/x/*")"}},
                "conflicting routes");
  ExpectInvalid({{"M", R"(get: "/x" additional_bindings { get: "/x" })"}},
                "conflicting routes");
  // Same template, other HTTP methods: fine.
  EXPECT_TRUE(
      Build({{"M", R"(get: "/x/{id}")"}, {"N", R"(delete: "/x/{id}")"}}).ok());
}

}  // namespace
}  // namespace datamgmt::gateway::transcode
