#include "common/grpc/callback_queue.h"

#include <grpcpp/grpcpp.h>

#include "grpc/health/v1/health.grpc.pb.h"

namespace datamgmt {

void PinCallbackQueue() {
  // A started server with a callback service holds a reference to the
  // callback queue until it is destroyed, which this one never is. It has no
  // listening port, so nothing can reach it.
  static grpc::Server* const kPinned = [] {
    static auto* service = new grpc::health::v1::Health::CallbackService();
    grpc::ServerBuilder builder;
    builder.RegisterService(service);
    return builder.BuildAndStart().release();
  }();
  (void)kPinned;
}

}  // namespace datamgmt
