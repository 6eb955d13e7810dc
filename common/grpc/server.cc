#include "common/grpc/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/callback_queue.h"
#include "grpc/health/v1/health.pb.h"

namespace datamgmt {

absl::Status GrpcServerOptions::Validate() const {
  if (listen_address.empty()) {
    return absl::InvalidArgumentError("listen address must be set");
  }
  if (listen_address.rfind(':') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address \"", listen_address, "\" must be host:port"));
  }
  if (max_receive_message_bytes <= 0 || max_send_message_bytes <= 0) {
    return absl::InvalidArgumentError("message size limits must be positive");
  }
  if (max_concurrent_streams < 0) {
    return absl::InvalidArgumentError(
        "max_concurrent_streams must not be negative");
  }
  if (shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("shutdown grace must not be negative");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Start(
    const GrpcServerOptions& options,
    const std::vector<HostedService>& services) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  PinCallbackQueue();
  static std::once_flag init_once;
  std::call_once(init_once, [] {
    // gRPC's built-in health service is not protobuf-generated, so without
    // this its descriptor is missing from the pool that reflection serves,
    // and `grpcurl ... grpc.health.v1.Health/Check` fails. Referencing the
    // generated descriptor links it in and registers it.
    (void)grpc::health::v1::HealthCheckRequest::descriptor();
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  });

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options.listen_address,
                           options.credentials != nullptr
                               ? options.credentials
                               : grpc::InsecureServerCredentials(),
                           &port);
  // Two processes must never share a port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  builder.SetMaxSendMessageSize(options.max_send_message_bytes);
  if (options.max_concurrent_streams > 0) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                               options.max_concurrent_streams);
  }
  std::vector<std::string> names;
  for (const HostedService& hosted : services) {
    builder.RegisterService(hosted.service);
    names.push_back(hosted.name);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address));
  }
  auto out = std::unique_ptr<GrpcServer>(new GrpcServer(
      std::move(server), port, std::move(names), options.shutdown_grace));
  out->SetServing(false);
  return out;
}

GrpcServer::GrpcServer(std::unique_ptr<grpc::Server> server, int port,
                       std::vector<std::string> service_names,
                       absl::Duration grace)
    : server_(std::move(server)),
      port_(port),
      service_names_(std::move(service_names)),
      grace_(grace) {}

GrpcServer::~GrpcServer() {
  Shutdown();
  server_->Wait();
}

void GrpcServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  health->SetServingStatus("", serving);
  for (const std::string& name : service_names_) {
    health->SetServingStatus(name, serving);
  }
}

void GrpcServer::Shutdown() {
  std::call_once(shutdown_once_, [this] {
    SetServing(false);
    if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace_));
  });
}

void GrpcServer::Wait() { server_->Wait(); }

}  // namespace datamgmt
