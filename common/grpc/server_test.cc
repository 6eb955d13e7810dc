#include "common/grpc/server.h"

#include <grpcpp/generic/async_generic_service.h>

#include <thread>

#include "absl/time/clock.h"
#include "echo.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace datamgmt {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class EchoService final : public testing::v1::Echo::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* ctx,
                                 const testing::v1::EchoRequest* req,
                                 testing::v1::EchoResponse* resp) override {
    resp->set_message(req->message());
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

HealthCheckResponse::ServingStatus Check(int port, const std::string& name) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());
  auto stub = Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  HealthCheckRequest req;
  req.set_service(name);
  HealthCheckResponse resp;
  grpc::Status s = stub->Check(&ctx, req, &resp);
  if (!s.ok()) return HealthCheckResponse::UNKNOWN;
  return resp.status();
}

TEST(GrpcServerTest, HealthIsNotServingUntilReadyAndAfterShutdownStarts) {
  EchoService service;
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = "127.0.0.1:0", .shutdown_grace = absl::Seconds(1)},
      {{&service, testing::v1::Echo::service_full_name()}});
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  EXPECT_EQ(Check(port, ""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(port, "datamgmt.testing.v1.Echo"),
            HealthCheckResponse::NOT_SERVING);
  (*server)->SetServing(true);
  EXPECT_EQ(Check(port, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(port, "datamgmt.testing.v1.Echo"),
            HealthCheckResponse::SERVING);
  (*server)->Shutdown();
  (*server)->Wait();
  EXPECT_EQ(Check(port, ""), HealthCheckResponse::UNKNOWN)
      << "a shut-down server must not answer";
}

TEST(GrpcServerTest, BusyPortIsUnavailable) {
  auto first = GrpcServer::Start({.listen_address = "127.0.0.1:0"}, {});
  ASSERT_TRUE(first.ok());
  auto second = GrpcServer::Start(
      {.listen_address = absl::StrCat("127.0.0.1:", (*first)->port())}, {});
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable)
      << second.status();
}

TEST(GrpcServerTest, RejectsBadOptions) {
  EXPECT_EQ(GrpcServer::Start({}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      GrpcServer::Start({.listen_address = "nocolon"}, {}).status().code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace datamgmt
