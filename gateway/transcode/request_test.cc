// BuildRequest through RouteTable::Match, as the gateway calls it.
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "datamgmt/dht/v1/dht.pb.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "gateway/transcode/internal/test_services.h"
#include "gateway/transcode/route_table.h"
#include "gateway/transcode/transcoder.h"
#include "gtest/gtest.h"
#include "testdata/transcode_testdata.pb.h"

namespace datamgmt::gateway::transcode {
namespace {

using ::google::protobuf::Message;
using testing::RealRoutes;
using testing::TestdataRoutes;

// Matches `target` ("/path?query") and builds the request.
absl::StatusOr<std::unique_ptr<Message>> Request(
    const RouteTable& table, absl::string_view method,
    absl::string_view target, absl::string_view content_type = "",
    absl::string_view body = "") {
  const size_t q = target.find('?');
  const absl::string_view path = target.substr(0, q);
  const absl::string_view query =
      q == absl::string_view::npos ? "" : target.substr(q + 1);
  const MatchResult m = table.Match(method, path);
  if (m.route == nullptr) return m.status;
  return BuildRequest(*m.route, m.bindings, query, content_type, body);
}

// The request as a T, or a default T after a test failure.
template <typename T>
T Ok(const absl::StatusOr<std::unique_ptr<Message>>& request) {
  T out;
  EXPECT_TRUE(request.ok()) << request.status();
  if (request.ok()) {
    EXPECT_EQ((*request)->GetDescriptor(), T::descriptor());
    out.CopyFrom(**request);
  }
  return out;
}

// Expects INVALID_ARGUMENT with `part` in the message.
void ExpectInvalid(const absl::StatusOr<std::unique_ptr<Message>>& request,
                   absl::string_view part) {
  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument)
      << request.status();
  EXPECT_NE(request.status().message().find(part), absl::string_view::npos)
      << request.status();
}

std::string AllBytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

// --- Body ---

TEST(BuildRequestTest, PutDataFromJsonBase64) {
  const auto put = Ok<dht::v1::PutDataRequest>(
      Request(RealRoutes(), "POST", "/data", "application/json",
              R"({"data":")" + absl::Base64Escape(AllBytes()) + R"("})"));
  EXPECT_EQ(put.data(), AllBytes());
  // URL-safe base64 is accepted too, as in proto3 JSON.
  EXPECT_EQ(Ok<dht::v1::PutDataRequest>(
                Request(RealRoutes(), "POST", "/data", "", R"({"data":"-_8"})"))
                .data(),
            "\xfb\xff");
}

TEST(BuildRequestTest, PutDataFromRawOctetStream) {
  for (absl::string_view content_type :
       {"application/octet-stream", "Application/Octet-Stream",
        " application/octet-stream ; charset=binary"}) {
    EXPECT_EQ(Ok<dht::v1::PutDataRequest>(Request(RealRoutes(), "POST",
                                                  "/data", content_type,
                                                  AllBytes()))
                  .data(),
              AllBytes())
        << content_type;
  }
  // Bytes that look like JSON stay bytes.
  EXPECT_EQ(Ok<dht::v1::PutDataRequest>(
                Request(RealRoutes(), "POST", "/data",
                        "application/octet-stream", R"({"data":"AAAA"})"))
                .data(),
            R"({"data":"AAAA"})");
}

TEST(BuildRequestTest, EmptyBodyIsAnEmptyMessage) {
  EXPECT_EQ(Ok<dht::v1::PutDataRequest>(
                Request(RealRoutes(), "POST", "/data", "application/json", ""))
                .data(),
            "");
  EXPECT_EQ(Ok<dht::v1::PutDataRequest>(
                Request(RealRoutes(), "POST", "/data", "", " \r\n\t"))
                .data(),
            "");
  Ok<dht::v1::PutDataRequest>(
      Request(RealRoutes(), "POST", "/data", "application/json", "{}"));
}

TEST(BuildRequestTest, BadBodiesAreInvalidArgument) {
  const RouteTable& t = RealRoutes();
  ExpectInvalid(Request(t, "POST", "/data", "", R"({"data":"!!not base64"})"),
                "invalid JSON body");
  ExpectInvalid(Request(t, "POST", "/data", "", R"({"data":)"),
                "invalid JSON body");
  ExpectInvalid(Request(t, "POST", "/data", "", "not json"),
                "invalid JSON body");
  ExpectInvalid(Request(t, "POST", "/data", "", R"(["data"])"),
                "invalid JSON body");
  ExpectInvalid(Request(t, "POST", "/data", "", R"({"data":5})"),
                "invalid JSON body");
  ExpectInvalid(Request(t, "POST", "/data", "", R"({"data":"","bogus":1})"),
                "bogus");
  ExpectInvalid(Request(t, "POST", "/v1/peers", "", R"({"address":1})"),
                "invalid JSON body");
}

TEST(BuildRequestTest, OctetStreamNeedsABytesField) {
  ExpectInvalid(Request(RealRoutes(), "POST", "/v1/peers",
                        "application/octet-stream", "h:1"),
                "exactly one bytes field");
  ExpectInvalid(Request(TestdataRoutes(), "PATCH", "/v1/books/7",
                        "application/octet-stream", "x"),
                "UpdateBookRequest.book is not one");
}

TEST(BuildRequestTest, JsonBodiesOfTheRealApi) {
  const auto add = Ok<peers::v1::AddPeerRequest>(
      Request(RealRoutes(), "POST", "/v1/peers", "application/json",
              R"({"address":"10.0.0.7:8000","nodeId":"ab"})"));
  EXPECT_EQ(add.address(), "10.0.0.7:8000");
  EXPECT_EQ(add.node_id(), "ab");

  const auto record = Ok<peers::v1::RecordContactsRequest>(Request(
      RealRoutes(), "POST", "/v1/peers:recordContacts", "application/json",
      R"({"results":[{"address":"h:1","success":true,"rtt":"0.005s",)"
      R"("observed_at":"2024-01-02T03:04:05Z","source":"PEER_SOURCE_DHT"}]})"));
  ASSERT_EQ(record.results_size(), 1);
  EXPECT_EQ(record.results(0).address(), "h:1");
  EXPECT_TRUE(record.results(0).success());
  EXPECT_EQ(record.results(0).rtt().nanos(), 5000000);
  EXPECT_EQ(record.results(0).observed_at().seconds(), 1704164645);
  EXPECT_EQ(record.results(0).source(), peers::v1::PEER_SOURCE_DHT);

  Ok<peers::v1::MergePeersRequest>(
      Request(RealRoutes(), "POST", "/v1/peers:merge", "",
              R"({"peers":[{"address":"h:2","last_seen":1.5}]})"));
}

TEST(BuildRequestTest, BodyOfARouteWithoutBodyIsIgnored) {
  Ok<dht::v1::GetNetworkStatsRequest>(
      Request(RealRoutes(), "GET", "/network/stats", "", "not json"));
}

TEST(BuildRequestTest, BodyFieldIsFilledFromItsJsonValue) {
  const auto update = Ok<testdata::UpdateBookRequest>(
      Request(TestdataRoutes(), "PATCH", "/v1/books/7", "application/json",
              R"({"name":"n","count":"5","shelf":{"id":"s"}})"));
  EXPECT_EQ(update.id(), "7");
  EXPECT_EQ(update.book().name(), "n");
  EXPECT_EQ(update.book().count(), 5);
  EXPECT_EQ(update.book().shelf().id(), "s");
  ExpectInvalid(Request(TestdataRoutes(), "PATCH", "/v1/books/7", "",
                        R"({"book":{}})"),
                "invalid JSON body");

  const auto tag = Ok<testdata::TagBookRequest>(Request(
      TestdataRoutes(), "POST", "/v1/books/7:tag", "", R"(["a","b"])"));
  EXPECT_EQ(tag.id(), "7");
  ASSERT_EQ(tag.tags_size(), 2);
  EXPECT_EQ(tag.tags(1), "b");
  ExpectInvalid(
      Request(TestdataRoutes(), "POST", "/v1/books/7:tag", "", R"([1])"),
      "invalid JSON body");
  // Only the body field is taken from the body.
  EXPECT_EQ(Ok<testdata::TagBookRequest>(
                Request(TestdataRoutes(), "POST", "/v1/books/7:tag", "",
                        R"(["a"],"id":"other")"))
                .id(),
            "7");
}

TEST(BuildRequestTest, BytesBodyFieldTakesRawOctetStreamOrJsonBase64) {
  const auto raw = Ok<testdata::Blob>(Request(TestdataRoutes(), "PUT",
                                              "/v1/blobs/b",
                                              "application/octet-stream",
                                              AllBytes()));
  EXPECT_EQ(raw.id(), "b");
  EXPECT_EQ(raw.content(), AllBytes());
  EXPECT_EQ(Ok<testdata::Blob>(Request(TestdataRoutes(), "PUT", "/v1/blobs/b",
                                       "application/json", R"("aGk=")"))
                .content(),
            "hi");
}

// --- Path ---

TEST(BuildRequestTest, PathVariablesFillTheirFields) {
  const std::string hash(64, 'a');
  EXPECT_EQ(Ok<dht::v1::GetDataRequest>(
                Request(RealRoutes(), "GET", "/data/" + hash))
                .hash(),
            hash);
  EXPECT_EQ(Ok<peers::v1::GetPeerRequest>(
                Request(RealRoutes(), "GET", "/v1/peers/%5B%3A%3A1%5D%3A8000"))
                .address(),
            "[::1]:8000");
  ExpectInvalid(Request(RealRoutes(), "GET", "/data/%FF"),
                "path parameter \"hash\"");
}

TEST(BuildRequestTest, NestedPathFieldsAndTypes) {
  const auto nested = Ok<testdata::NestedRequest>(
      Request(TestdataRoutes(), "GET", "/v1/nested/s%201/-42/COLOR_RED"));
  EXPECT_EQ(nested.book().shelf().id(), "s 1");
  EXPECT_EQ(nested.book().count(), -42);
  EXPECT_EQ(nested.color(), testdata::COLOR_RED);
  EXPECT_EQ(Ok<testdata::NestedRequest>(
                Request(TestdataRoutes(), "GET", "/v1/nested/s/1/2"))
                .color(),
            testdata::COLOR_BLUE);
  ExpectInvalid(Request(TestdataRoutes(), "GET", "/v1/nested/s/1/3"),
                "path parameter \"color\"");
  ExpectInvalid(Request(TestdataRoutes(), "GET", "/v1/nested/s/1/COLOR_GREEN"),
                "COLOR_GREEN");
  ExpectInvalid(
      Request(TestdataRoutes(), "GET", "/v1/nested/s/9223372036854775808/2"),
      "path parameter \"book.count\"");
  ExpectInvalid(Request(TestdataRoutes(), "GET", "/v1/nested/s/1x/2"),
                "book.count");
  EXPECT_EQ(Ok<testdata::FileRequest>(
                Request(TestdataRoutes(), "GET", "/v1/files/a/b%2Fc%20d"))
                .path(),
            "a/b%2Fc d");
  EXPECT_EQ(Ok<testdata::GetBookRequest>(
                Request(TestdataRoutes(), "GET", "/v1/shelves/1/books/2"))
                .name(),
            "shelves/1/books/2");
}

// --- Query ---

bool Healthy(absl::string_view target) {
  return Ok<peers::v1::ListPeersRequest>(Request(RealRoutes(), "GET", target))
      .healthy();
}

TEST(BuildRequestTest, HealthyQueryParameter) {
  const RouteTable& t = RealRoutes();
  EXPECT_TRUE(Healthy("/network/peers?healthy=true"));
  EXPECT_TRUE(Healthy("/network/peers?healthy=1"));
  EXPECT_FALSE(Healthy("/network/peers?healthy=false"));
  EXPECT_FALSE(Healthy("/network/peers?healthy=0"));
  EXPECT_FALSE(Healthy("/network/peers"));
  EXPECT_FALSE(Healthy("/network/peers?"));
  EXPECT_TRUE(Healthy("/network/peers?&healthy=true&"));
  ExpectInvalid(Request(t, "GET", "/network/peers?healthy=maybe"),
                "query parameter \"healthy\": \"maybe\" is not a bool");
  ExpectInvalid(Request(t, "GET", "/network/peers?healthy"), "healthy");
  ExpectInvalid(Request(t, "GET", "/network/peers?healthy=true&healthy=false"),
                "more than once");
}

TEST(BuildRequestTest, UnknownQueryParametersAreInvalid) {
  const RouteTable& t = RealRoutes();
  ExpectInvalid(Request(t, "GET", "/network/peers?bogus=1"),
                "unknown query parameter \"bogus\"");
  ExpectInvalid(Request(t, "GET", "/network/peers?healty=true"),
                "unknown query parameter \"healty\"");
  ExpectInvalid(Request(t, "GET", "/network/stats?x=1"),
                "unknown query parameter \"x\"");
  ExpectInvalid(Request(t, "GET", "/network/peers?=1"), "empty");
  ExpectInvalid(Request(t, "GET", "/network/peers?healthy=%zz"),
                "percent-encoding");
}

TEST(BuildRequestTest, QueryParametersMayNotRepeatThePathOrTheBody) {
  const RouteTable& t = RealRoutes();
  const auto remove = Ok<peers::v1::RemovePeerRequest>(
      Request(t, "DELETE", "/v1/peers/h%3A1?last_seen_before=1700000000.5"));
  EXPECT_EQ(remove.address(), "h:1");
  EXPECT_EQ(remove.last_seen_before(), 1700000000.5);
  ExpectInvalid(Request(t, "DELETE", "/v1/peers/h%3A1?address=other"),
                "the path sets \"address\"");
  ExpectInvalid(Request(t, "POST", "/v1/peers?address=h:1", "", "{}"),
                "the request body carries every field");
  ExpectInvalid(Request(TestdataRoutes(), "PATCH", "/v1/books/7?book.name=x"),
                "body");
  ExpectInvalid(
      Request(TestdataRoutes(), "GET", "/v1/shelves/s/books?shelf=other"),
      "the path sets \"shelf\"");
}

TEST(BuildRequestTest, QueryParameterTypes) {
  const auto list = Ok<testdata::ListBooksRequest>(Request(
      TestdataRoutes(), "GET",
      "/v1/books?shelf=a+b%20c%26&pageSize=%2B5&tags=x&tags=y&tags="
      "&ids=1&ids=-2&colors=COLOR_RED&colors=2&color=1&filter.name=f"
      "&filter.shelf.id=s&flag=true&u32=4294967295&ratio=-1.5e3"
      "&token=-_8&max_age=1.5s&limit=7&weight=0.25"
      "&i64=-9223372036854775808&u64=18446744073709551615"
      "&since=2024-01-02T03:04:05Z&s32=-3"));
  EXPECT_EQ(list.shelf(), "a b c&");
  EXPECT_EQ(list.page_size(), 5);
  ASSERT_EQ(list.tags_size(), 3);
  EXPECT_EQ(list.tags(2), "");
  ASSERT_EQ(list.ids_size(), 2);
  EXPECT_EQ(list.ids(1), -2);
  ASSERT_EQ(list.colors_size(), 2);
  EXPECT_EQ(list.colors(1), testdata::COLOR_BLUE);
  EXPECT_EQ(list.color(), testdata::COLOR_RED);
  EXPECT_EQ(list.filter().name(), "f");
  EXPECT_EQ(list.filter().shelf().id(), "s");
  EXPECT_TRUE(list.flag());
  EXPECT_EQ(list.u32(), 4294967295u);
  EXPECT_EQ(list.ratio(), -1500);
  EXPECT_EQ(list.token(), "\xfb\xff");
  EXPECT_EQ(list.max_age().seconds(), 1);
  EXPECT_EQ(list.max_age().nanos(), 500000000);
  EXPECT_EQ(list.limit().value(), 7);
  EXPECT_EQ(list.weight(), 0.25f);
  EXPECT_EQ(list.i64(), INT64_MIN);
  EXPECT_EQ(list.u64(), UINT64_MAX);
  EXPECT_EQ(list.since().seconds(), 1704164645);
  EXPECT_EQ(list.s32(), -3);
  EXPECT_TRUE(std::isnan(Ok<testdata::ListBooksRequest>(
                             Request(TestdataRoutes(), "GET",
                                     "/v1/books?ratio=NaN"))
                             .ratio()));
}

TEST(BuildRequestTest, BadQueryValuesNameTheParameter) {
  const RouteTable& t = TestdataRoutes();
  ExpectInvalid(Request(t, "GET", "/v1/books?page_size=2147483648"),
                "query parameter \"page_size\"");
  ExpectInvalid(Request(t, "GET", "/v1/books?page_size=1.5"), "page_size");
  ExpectInvalid(Request(t, "GET", "/v1/books?page_size=+"), "page_size");
  ExpectInvalid(Request(t, "GET", "/v1/books?page_size=%205"), "page_size");
  ExpectInvalid(Request(t, "GET", "/v1/books?u32=-1"), "u32");
  ExpectInvalid(Request(t, "GET", "/v1/books?u64=18446744073709551616"),
                "u64");
  ExpectInvalid(Request(t, "GET", "/v1/books?ratio=abc"), "ratio");
  ExpectInvalid(Request(t, "GET", "/v1/books?ratio=1e999"), "ratio");
  ExpectInvalid(Request(t, "GET", "/v1/books?ratio=0x10"), "ratio");
  ExpectInvalid(Request(t, "GET", "/v1/books?weight=1e39"), "weight");
  ExpectInvalid(Request(t, "GET", "/v1/books?token=a*b"), "token");
  ExpectInvalid(Request(t, "GET", "/v1/books?max_age=soon"), "max_age");
  ExpectInvalid(Request(t, "GET", "/v1/books?since=yesterday"), "since");
  ExpectInvalid(Request(t, "GET", "/v1/books?limit=x"), "limit");
  ExpectInvalid(Request(t, "GET", "/v1/books?colors=PURPLE"), "colors");
  ExpectInvalid(Request(t, "GET", "/v1/books?flag=yes"), "flag");
  ExpectInvalid(Request(t, "GET", "/v1/books?shelf=%C3"), "UTF-8");
  ExpectInvalid(Request(t, "GET", "/v1/books?filter=x"), "filter");
  ExpectInvalid(Request(t, "GET", "/v1/books?labels=x"), "map");
  ExpectInvalid(Request(t, "GET", "/v1/books?tags.x=1"), "tags");
  ExpectInvalid(Request(t, "GET", "/v1/books?filter.nope=1"),
                "unknown query parameter \"filter.nope\"");
}

}  // namespace
}  // namespace datamgmt::gateway::transcode
