#include "common/grpc/callback_queue.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace datamgmt {
namespace {

// What every gRPC test and a redialling dht-service do: a server and a
// client channel come and go, with a callback call on the channel that fails
// (nothing listens on port 1) and whose completion signals just before the
// channel is destroyed. Without the pinned callback queue, gRPC 1.51 aborted
// ("ref_counted.h:183 assertion failed: prior > 0") in about half of the
// runs of 500 rounds.
void OneRound() {
  grpc::health::v1::Health::CallbackService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);

  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      "127.0.0.1:1", grpc::InsecureChannelCredentials()));
  struct Call {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
  };
  auto call = std::make_shared<Call>();
  call->ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
  absl::Notification done;
  grpc::Status status;
  stub->async()->Check(&call->ctx, &call->request, &call->response,
                       [&, call](grpc::Status s) {
                         status = s;
                         done.Notify();
                       });
  call.reset();
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  stub.reset();
  server->Shutdown();
}

TEST(CallbackQueueTest, ChannelsAndServersComeAndGoWithoutAborting) {
  PinCallbackQueue();
  for (int i = 0; i < 500 && !testing::Test::HasFailure(); ++i) OneRound();
}

TEST(CallbackQueueTest, PinningTwiceIsHarmless) {
  PinCallbackQueue();
  PinCallbackQueue();
  OneRound();
}

}  // namespace
}  // namespace datamgmt
