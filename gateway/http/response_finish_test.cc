#include "gateway/http/response_finish.h"

#include <string>

#include "gtest/gtest.h"

namespace datamgmt::gateway::http::internal {
namespace {

namespace bhttp = boost::beast::http;

Response Ok(std::string body) {
  Response response{bhttp::status::ok, 11};
  response.body() = std::move(body);
  return response;
}

std::string Field(const Response& response, bhttp::field name) {
  auto it = response.find(name);
  return it == response.end() ? "<none>" : std::string(it->value());
}

TEST(FinishResponseTest, SetsServerContentLengthAndKeepsAlive) {
  Response r = Ok("hello");
  EXPECT_TRUE(FinishResponse({}, r));
  EXPECT_EQ(Field(r, bhttp::field::server), "datamgmt-gateway");
  EXPECT_EQ(Field(r, bhttp::field::content_length), "5");
  EXPECT_EQ(Field(r, bhttp::field::connection), "<none>");
  EXPECT_TRUE(r.keep_alive());
}

TEST(FinishResponseTest, KeepAliveFollowsRequestUnlessHandlerCloses) {
  Response r = Ok("");
  FinishResponse({.keep_alive = false}, r);
  EXPECT_EQ(Field(r, bhttp::field::connection), "close");

  r = Ok("");
  r.keep_alive(false);
  FinishResponse({.keep_alive = true}, r);
  EXPECT_EQ(Field(r, bhttp::field::connection), "close");

  // The handler cannot keep open what the client closes.
  r = Ok("");
  r.set(bhttp::field::connection, "keep-alive");
  FinishResponse({.keep_alive = false}, r);
  EXPECT_FALSE(r.keep_alive());
}

TEST(FinishResponseTest, ShutdownCloses) {
  Response r = Ok("x");
  FinishResponse({.shutting_down = true}, r);
  EXPECT_EQ(Field(r, bhttp::field::connection), "close");
}

TEST(FinishResponseTest, Http10KeepAliveIsExplicit) {
  Response r = Ok("x");
  FinishResponse({.version = 10, .keep_alive = true}, r);
  EXPECT_EQ(r.version(), 10u);
  EXPECT_EQ(Field(r, bhttp::field::connection), "keep-alive");
  r = Ok("x");
  FinishResponse({.version = 10, .keep_alive = false}, r);
  EXPECT_FALSE(r.keep_alive());
}

TEST(FinishResponseTest, HeadKeepsLengthWithoutBody) {
  Response r = Ok("hello");
  EXPECT_FALSE(FinishResponse({.head = true}, r));
  EXPECT_EQ(Field(r, bhttp::field::content_length), "5");

  r = Ok("");
  r.content_length(42);
  EXPECT_FALSE(FinishResponse({.head = true}, r));
  EXPECT_EQ(Field(r, bhttp::field::content_length), "42");
}

TEST(FinishResponseTest, NoContentAndNotModifiedHaveNoBody) {
  Response r = Ok("ignored");
  r.result(bhttp::status::no_content);
  EXPECT_FALSE(FinishResponse({}, r));
  EXPECT_EQ(r.body(), "");
  EXPECT_EQ(Field(r, bhttp::field::content_length), "<none>");

  r = Ok("");
  r.result(bhttp::status::not_modified);
  EXPECT_FALSE(FinishResponse({}, r));
  EXPECT_EQ(Field(r, bhttp::field::transfer_encoding), "<none>");
}

}  // namespace
}  // namespace datamgmt::gateway::http::internal
