// Starting and stopping a service's gRPC server the same way in every
// process: reflection (for grpcurl) and grpc.health.v1 on every port, health
// NOT_SERVING until the process says it is ready, and a graceful shutdown
// with a deadline.
//
//   absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
//       {.listen_address = "0.0.0.0:9000"},
//       {{&service, Dht::service_full_name()}});
//   ... open storage ...
//   (*server)->SetServing(true);
//   WaitForTerminationSignal();
//   (*server)->Shutdown();   // NOT_SERVING, drain for the grace period, stop
//
// Thread-safe.
#ifndef DATAMGMT_COMMON_GRPC_SERVER_H_
#define DATAMGMT_COMMON_GRPC_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace datamgmt {

struct GrpcServerOptions {
  // "host:port" to listen on; port 0 picks a free port (see port()).
  // Required.
  std::string listen_address;
  // Largest request message accepted. Default: 16 MiB.
  int max_receive_message_bytes = 16 << 20;
  // Largest response message sent. Default: 16 MiB.
  int max_send_message_bytes = 16 << 20;
  // Concurrent calls (HTTP/2 streams) per client connection; further calls
  // wait for one to end. 0 keeps gRPC's default (no limit). Must not be
  // negative. Default: 0.
  int max_concurrent_streams = 0;
  // How long Shutdown() lets in-flight calls finish before cancelling them.
  // Default: 10 s.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // The listening port's credentials (e.g. PeerServerCredentials of
  // peer_tls.h). Default (nullptr): plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials = nullptr;

  absl::Status Validate() const;
};

// A service to host and its full name ("datamgmt.dht.v1.Dht"), which is
// also its grpc.health.v1 service name.
struct HostedService {
  grpc::Service* service;  // not owned; must outlive the server
  std::string name;
};

class GrpcServer {
 public:
  // Builds and starts a server hosting `services`, server reflection and
  // grpc.health.v1, which reports NOT_SERVING for the server ("") and each
  // service until SetServing(true). Returns InvalidArgument for bad options,
  // Unavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(
      const GrpcServerOptions& options,
      const std::vector<HostedService>& services);

  ~GrpcServer();  // Shutdown() if not done yet.

  // The port actually bound.
  int port() const { return port_; }

  // Sets the grpc.health.v1 status of "" and of every hosted service.
  void SetServing(bool serving);

  // Reports NOT_SERVING, stops accepting calls, lets running calls finish
  // until the grace period ends, then cancels the rest. Idempotent.
  void Shutdown();

  // Blocks until the server has shut down.
  void Wait();

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port,
             std::vector<std::string> service_names, absl::Duration grace);

  std::unique_ptr<grpc::Server> server_;
  const int port_;
  const std::vector<std::string> service_names_;
  const absl::Duration grace_;
  std::once_flag shutdown_once_;
};

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_GRPC_SERVER_H_
