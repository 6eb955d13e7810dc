// Helpers shared by server_test.cc and server_limits_test.cc.
#ifndef DATAMGMT_GATEWAY_HTTP_TEST_UTIL_H_
#define DATAMGMT_GATEWAY_HTTP_TEST_UTIL_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/http/server.h"
#include "gateway/http/test_client.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::http {

// Loopback, port 0, defaults otherwise.
inline ServerOptions TestOptions() {
  ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  return options;
}

// nullptr (and a test failure) if the server does not start.
inline std::unique_ptr<Server> StartServer(const ServerOptions& options,
                                           Handler* handler) {
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, handler);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? std::move(*server) : nullptr;
}

// nullptr (and a test failure) if the connection fails.
inline std::unique_ptr<TestClient> ConnectClient(
    int port, absl::Duration timeout = absl::Seconds(10)) {
  absl::StatusOr<std::unique_ptr<TestClient>> client =
      TestClient::Connect(port, "127.0.0.1", timeout);
  EXPECT_TRUE(client.ok()) << client.status();
  return client.ok() ? std::move(*client) : nullptr;
}

// The value of header `name`, "" if absent.
inline std::string Header(const Response& response, absl::string_view name) {
  auto it = response.find(boost::beast::string_view(name.data(), name.size()));
  return it == response.end() ? std::string()
                              : std::string(it->value());
}

// Polls until connecting to 127.0.0.1:port is refused. Returns false if it
// is still accepted at `deadline`.
inline bool RefusedBy(int port, absl::Time deadline) {
  while (absl::Now() < deadline) {
    absl::StatusOr<std::unique_ptr<TestClient>> client =
        TestClient::Connect(port, "127.0.0.1", absl::Seconds(1));
    if (!client.ok() && absl::IsUnavailable(client.status())) return true;
    std::this_thread::yield();
  }
  return false;
}

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_TEST_UTIL_H_
