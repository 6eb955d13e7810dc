#include <string>
#include <utility>
#include <vector>

#include "gateway/transcode/transcoder.h"
#include "google/protobuf/duration.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::transcode {
namespace {

TEST(HttpStatusFromCodeTest, IsGrpcGatewaysTable) {
  const std::vector<std::pair<absl::StatusCode, int>> table = {
      {absl::StatusCode::kOk, 200},
      {absl::StatusCode::kCancelled, 499},
      {absl::StatusCode::kUnknown, 500},
      {absl::StatusCode::kInvalidArgument, 400},
      {absl::StatusCode::kDeadlineExceeded, 504},
      {absl::StatusCode::kNotFound, 404},
      {absl::StatusCode::kAlreadyExists, 409},
      {absl::StatusCode::kPermissionDenied, 403},
      {absl::StatusCode::kUnauthenticated, 401},
      {absl::StatusCode::kResourceExhausted, 429},
      {absl::StatusCode::kFailedPrecondition, 400},
      {absl::StatusCode::kAborted, 409},
      {absl::StatusCode::kOutOfRange, 400},
      {absl::StatusCode::kUnimplemented, 501},
      {absl::StatusCode::kInternal, 500},
      {absl::StatusCode::kUnavailable, 503},
      {absl::StatusCode::kDataLoss, 500},
  };
  for (const auto& [code, http] : table) {
    EXPECT_EQ(HttpStatusFromCode(code), http) << absl::StatusCodeToString(code);
  }
  EXPECT_EQ(HttpStatusFromCode(static_cast<absl::StatusCode>(42)), 500);
  EXPECT_EQ(HttpStatusFromCode(static_cast<absl::StatusCode>(-1)), 500);
}

TEST(StatusJsonTest, SeedNotFound) {
  EXPECT_EQ(StatusJson(5, "Data not found"),
            R"({"code":5,"message":"Data not found","details":[]})");
}

TEST(StatusJsonTest, MessageIsEscaped) {
  EXPECT_EQ(StatusJson(3, "bad \"x\"\\\n\t<y>\x01 \xc3\xa9"),
            R"({"code":3,"message":"bad \"x\"\\\n\t\u003cy\u003e\u0001 )"
            "\xc3\xa9"
            R"(","details":[]})");
  EXPECT_EQ(StatusJson(2, ""), R"({"code":2,"message":"","details":[]})");
  // Bytes that are not UTF-8 are dropped, so the JSON stays valid.
  EXPECT_EQ(StatusJson(2, "a\xff"), R"({"code":2,"message":"a","details":[]})");
  // Overlong forms are not UTF-8 either (protobuf 3.21 would copy them).
  // Found by fuzz/gateway_http_fuzz: an unknown query parameter quoted in
  // the message made the error body invalid JSON.
  EXPECT_EQ(StatusJson(3, "last_\xc1\xb2seen \xc0\x80\xe0\x80\xaf"
                          "\xf0\x80\x80\xaf!"),
            R"({"code":3,"message":"last_seen !","details":[]})");
}

TEST(StatusJsonTest, DetailsOfKnownTypesAreWrittenWithTheirType) {
  google::rpc::Status status;
  google::protobuf::Duration retry;
  retry.set_seconds(30);
  status.add_details()->PackFrom(retry);
  google::protobuf::Any* unknown = status.add_details();
  unknown->set_type_url("type.googleapis.com/no.such.Type");
  unknown->set_value("x");
  google::rpc::Status inner;
  inner.set_code(14);
  status.add_details()->PackFrom(inner);
  EXPECT_EQ(StatusJson(8, "slow down", &status.details()),
            R"({"code":8,"message":"slow down","details":[)"
            R"({"@type":"type.googleapis.com/google.protobuf.Duration",)"
            R"("value":"30s"},)"
            R"({"@type":"type.googleapis.com/google.rpc.Status","code":14,)"
            R"("message":"","details":[]}]})");
}

TEST(JsonStringTest, QuotesAndEscapes) {
  EXPECT_EQ(JsonString("a\"b"), R"("a\"b")");
  EXPECT_EQ(JsonString(""), R"("")");
}

}  // namespace
}  // namespace datamgmt::gateway::transcode
