#include "gateway/http/error_response.h"

#include "gtest/gtest.h"

namespace datamgmt::gateway::http {
namespace {

namespace beast_http = boost::beast::http;

TEST(ErrorJsonTest, HasGrpcGatewayShape) {
  EXPECT_EQ(ErrorJson(absl::StatusCode::kResourceExhausted,
                      "request body exceeds 10 bytes"),
            R"({"code":8,"message":"request body exceeds 10 bytes",)"
            R"("details":[]})");
}

TEST(ErrorJsonTest, EscapesMessage) {
  EXPECT_EQ(ErrorJson(absl::StatusCode::kInvalidArgument,
                      std::string("a\"b\\c\nd\x01\xc3\xa9", 10)),
            R"({"code":3,"message":"a\"b\\c\nd\u0001)"
            "\xc3\xa9"
            R"(","details":[]})");
}

TEST(ErrorResponseTest, SetsStatusContentTypeAndBody) {
  Response r = ErrorResponse(beast_http::status::bad_request,
                             absl::StatusCode::kInvalidArgument, "bad");
  EXPECT_EQ(r.result(), beast_http::status::bad_request);
  EXPECT_EQ(r[beast_http::field::content_type], "application/json");
  EXPECT_EQ(r.body(), R"({"code":3,"message":"bad","details":[]})");
}

}  // namespace
}  // namespace datamgmt::gateway::http
