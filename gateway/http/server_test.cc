// The server's normal behaviour and its lifecycle. Limits and timeouts are in
// server_limits_test.cc.
#include "gateway/http/server.h"

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/error_response.h"
#include "gateway/http/test_client.h"
#include "gateway/http/test_handlers.h"
#include "gateway/http/test_util.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::http {
namespace {

namespace bhttp = boost::beast::http;
using bhttp::verb;

TEST(ServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  ASSERT_GT(server->port(), 0);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  std::string remote;
  for (int i = 0; i < 5; ++i) {
    const std::string body = absl::StrCat("body ", i);
    absl::StatusOr<Response> r =
        client->Send(verb::post, absl::StrCat("/v1/echo?i=", i), body,
                     {{"Content-Type", "text/plain"}});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->result(), bhttp::status::ok);
    EXPECT_EQ(r->version(), 11u);
    EXPECT_EQ(r->body(), body);
    EXPECT_EQ(Header(*r, "Server"), "datamgmt-gateway");
    EXPECT_EQ(Header(*r, "Content-Length"), std::to_string(body.size()));
    EXPECT_EQ(Header(*r, "X-Method"), "POST");
    EXPECT_EQ(Header(*r, "X-Target"), absl::StrCat("/v1/echo?i=", i));
    EXPECT_TRUE(r->keep_alive());
    if (i == 0) remote = Header(*r, "X-Remote");
    EXPECT_EQ(Header(*r, "X-Remote"), remote);  // the same connection
  }
  EXPECT_TRUE(absl::StartsWith(remote, "127.0.0.1:")) << remote;
  EXPECT_EQ(handler.calls(), 5);
}

TEST(ServerTest, AnswersPipelinedRequestsInOrder) {
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client
                  ->WriteRaw("GET /one HTTP/1.1\r\nHost: t\r\n\r\n"
                             "GET /two HTTP/1.1\r\nHost: t\r\n\r\n"
                             "GET /three HTTP/1.1\r\nHost: t\r\n\r\n")
                  .ok());
  for (const char* expected : {"/one", "/two", "/three"}) {
    absl::StatusOr<Response> r = client->Read();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->body(), expected);
  }
}

TEST(ServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);

  std::unique_ptr<TestClient> once = ConnectClient(server->port());
  ASSERT_NE(once, nullptr);
  ASSERT_TRUE(once->WriteRaw("GET /old HTTP/1.0\r\n\r\n").ok());
  absl::StatusOr<std::string> all = once->ReadUntilClosed();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_TRUE(absl::StartsWith(*all, "HTTP/1.0 200 OK\r\n")) << *all;
  EXPECT_TRUE(absl::StrContains(*all, "Content-Length: 4\r\n")) << *all;
  EXPECT_TRUE(absl::EndsWith(*all, "\r\n\r\n/old")) << *all;

  std::unique_ptr<TestClient> kept = ConnectClient(server->port());
  ASSERT_NE(kept, nullptr);
  for (const char* target : {"/a", "/b"}) {
    ASSERT_TRUE(kept->WriteRaw(absl::StrCat("GET ", target,
                                            " HTTP/1.0\r\n"
                                            "Connection: keep-alive\r\n\r\n"))
                    .ok());
    absl::StatusOr<Response> r = kept->Read();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->version(), 10u);
    EXPECT_TRUE(r->keep_alive());
    EXPECT_EQ(r->body(), target);
  }
}

TEST(ServerTest, HandlerRepliesLaterFromAnotherThread) {
  DeferredHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);

  absl::StatusOr<Response> response;
  std::thread caller([&] {
    response = client->Send(verb::put, "/v1/items/7?x=%20y", "payload",
                            {{"X-Trace", "abc"}});
  });
  std::optional<PendingRequest> pending = handler.Take();
  if (pending.has_value()) {
    const Request& request = pending->request;
    EXPECT_EQ(request.method, verb::put);
    EXPECT_EQ(request.method_string, "PUT");
    EXPECT_EQ(request.target, "/v1/items/7?x=%20y");
    EXPECT_EQ(request.body, "payload");
    EXPECT_EQ(request.headers["X-Trace"], "abc");
    EXPECT_TRUE(request.keep_alive);
    EXPECT_EQ(request.version, 11u);
    EXPECT_TRUE(absl::StartsWith(request.remote_address, "127.0.0.1:"));
    std::thread replier([reply = std::move(pending->reply)] {
      Response r{bhttp::status::created, 11};
      r.body() = "done";
      reply(std::move(r));
    });
    replier.join();
  }
  caller.join();
  ASSERT_TRUE(pending.has_value());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->result(), bhttp::status::created);
  EXPECT_EQ(response->body(), "done");
  EXPECT_TRUE(response->keep_alive());
}

TEST(ServerTest, HeadGetsContentLengthWithoutBody) {
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  absl::StatusOr<Response> head = client->Send(verb::head, "/hello");
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(Header(*head, "Content-Length"), "6");
  EXPECT_EQ(head->body(), "");
  // No stray body bytes precede the next response.
  absl::StatusOr<Response> get = client->Send(verb::get, "/next");
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->body(), "/next");
}

TEST(ServerTest, ConnectionCloseFromClientOrHandlerIsHonoured) {
  class Closing : public Handler {
    void Handle(Request request, Reply reply) override {
      Response r{bhttp::status::ok, 11};
      r.keep_alive(false);
      reply(std::move(r));
    }
  };
  EchoHandler echo;
  Closing closing;
  struct Case {
    Handler* handler;
    std::string request;
  };
  for (const Case& c :
       {Case{&echo,
             "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"},
        Case{&closing, "GET / HTTP/1.1\r\nHost: t\r\n\r\n"}}) {
    std::unique_ptr<Server> server = StartServer(TestOptions(), c.handler);
    ASSERT_NE(server, nullptr);
    std::unique_ptr<TestClient> client = ConnectClient(server->port());
    ASSERT_NE(client, nullptr);
    ASSERT_TRUE(client->WriteRaw(c.request).ok());
    absl::StatusOr<Response> r = client->Read();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(Header(*r, "Connection"), "close");
    absl::StatusOr<std::string> rest = client->ReadUntilClosed();
    ASSERT_TRUE(rest.ok()) << rest.status();
    EXPECT_EQ(*rest, "");
  }
}

TEST(ServerTest, DroppedReplyGets500) {
  class Dropping : public Handler {
    void Handle(Request request, Reply reply) override {}
  };
  Dropping handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  absl::StatusOr<Response> r = client->Send(verb::get, "/");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->result(), bhttp::status::internal_server_error);
  EXPECT_EQ(r->body(),
            ErrorJson(absl::StatusCode::kInternal,
                      "the handler dropped the request without replying"));
}

TEST(ServerTest, ManyConcurrentConnections) {
  constexpr int kConnections = 50;
  constexpr int kRequests = 5;
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  std::vector<int> ok(kConnections, 0);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConnections; ++c) {
    threads.emplace_back([&, c] {
      absl::StatusOr<std::unique_ptr<TestClient>> client =
          TestClient::Connect(server->port());
      if (!client.ok()) return;
      for (int i = 0; i < kRequests; ++i) {
        std::string body = absl::StrCat(c, "/", i);
        absl::StatusOr<Response> r =
            (*client)->Send(verb::post, "/echo", body);
        if (r.ok() && r->body() == body) ++ok[c];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int c = 0; c < kConnections; ++c) {
    EXPECT_EQ(ok[c], kRequests) << "connection " << c;
  }
  EXPECT_EQ(handler.calls(), kConnections * kRequests);
}

TEST(ServerTest, ShutdownFinishesInFlightRequestThenRefusesConnections) {
  DeferredHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  const int port = server->port();
  std::unique_ptr<TestClient> busy = ConnectClient(port);
  std::unique_ptr<TestClient> idle = ConnectClient(port);
  ASSERT_NE(busy, nullptr);
  ASSERT_NE(idle, nullptr);

  absl::StatusOr<Response> response;
  std::thread caller([&] { response = busy->Send(verb::get, "/slow"); });
  std::optional<PendingRequest> pending = handler.Take();
  std::thread stopper([&] { server->Shutdown(absl::Seconds(30)); });
  // While the request is in flight, the port refuses new connections and
  // the idle connection is closed.
  EXPECT_TRUE(RefusedBy(port, absl::Now() + absl::Seconds(10)));
  absl::StatusOr<std::string> idle_rest = idle->ReadUntilClosed();
  EXPECT_TRUE(idle_rest.ok()) << idle_rest.status();
  if (pending.has_value()) {
    Response r{bhttp::status::ok, 11};
    r.body() = "finished";
    pending->reply(std::move(r));
  }
  caller.join();
  stopper.join();  // well before the 30 s grace
  ASSERT_TRUE(pending.has_value());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body(), "finished");
  EXPECT_EQ(Header(*response, "Connection"), "close");
  EXPECT_FALSE(TestClient::Connect(port).ok());
}

TEST(ServerTest, ShutdownClosesWhatIsLeftAfterGraceAndLateRepliesAreSafe) {
  DeferredHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  std::unique_ptr<TestClient> client = ConnectClient(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->WriteRaw("GET /never HTTP/1.1\r\nHost: t\r\n\r\n").ok());
  std::optional<PendingRequest> pending = handler.Take();
  ASSERT_TRUE(pending.has_value());
  server->Shutdown(absl::Milliseconds(100));
  absl::StatusOr<std::string> rest = client->ReadUntilClosed();
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_EQ(*rest, "");
  server.reset();
  // The server is gone; the late reply is dropped without harm.
  pending->reply(Response{bhttp::status::ok, 11});
}

TEST(ServerTest, ShutdownIsIdempotent) {
  EchoHandler handler;
  std::unique_ptr<Server> server = StartServer(TestOptions(), &handler);
  ASSERT_NE(server, nullptr);
  server->Shutdown(absl::Seconds(1));
  server->Shutdown(absl::Seconds(1));
}

TEST(ServerTest, PortInUseIsAnError) {
  EchoHandler handler;
  std::unique_ptr<Server> first = StartServer(TestOptions(), &handler);
  ASSERT_NE(first, nullptr);
  ServerOptions options = TestOptions();
  options.port = first->port();
  absl::StatusOr<std::unique_ptr<Server>> second =
      Server::Start(options, &handler);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::IsUnavailable(second.status())) << second.status();
  EXPECT_EQ(second.status().message(),
            absl::StrCat("bind 127.0.0.1:", first->port(),
                         ": Address already in use"));
}

TEST(ServerTest, RejectsBadOptions) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  EXPECT_TRUE(absl::IsInvalidArgument(
      Server::Start(options, nullptr).status()));
  options.host = "example.com";
  EXPECT_TRUE(absl::IsInvalidArgument(
      Server::Start(options, &handler).status()));
  options = TestOptions();
  options.threads = 0;
  EXPECT_TRUE(absl::IsInvalidArgument(options.Validate()));
  options = TestOptions();
  options.port = 70000;
  EXPECT_TRUE(absl::IsInvalidArgument(options.Validate()));
  options = TestOptions();
  options.idle_timeout = absl::ZeroDuration();
  EXPECT_TRUE(absl::IsInvalidArgument(options.Validate()));
  options = TestOptions();
  options.host = "localhost";
  EXPECT_TRUE(options.Validate().ok());
  options.host = "[::1]";
  EXPECT_TRUE(options.Validate().ok());
}

TEST(ServerTest, ListensOnIpv6Literal) {
  EchoHandler handler;
  ServerOptions options = TestOptions();
  options.host = "::1";
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, &handler);
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback: " << server.status();
  absl::StatusOr<std::unique_ptr<TestClient>> client =
      TestClient::Connect((*server)->port(), "::1");
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<Response> r = (*client)->Send(verb::get, "/six");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body(), "/six");
  EXPECT_TRUE(absl::StartsWith(Header(*r, "X-Remote"), "[::1]:"));
}

}  // namespace
}  // namespace datamgmt::gateway::http
