// The gateway's view of the node's gRPC services: which address serves each
// service, asynchronous unary calls by method descriptor (no generated stubs:
// any annotated RPC can be called), and the health of every backend.
//
//   Backends backends({.addresses = {{"datamgmt.dht.v1.DhtService",
//                                     "127.0.0.1:9000"}}});
//   backends.Call(*method, std::move(request), deadline, metadata,
//                 [](CallResult result) { ... });
//
// Calls never block the caller: `done` runs later on a gRPC thread, exactly
// once, also when the backend is down (UNAVAILABLE) or slow
// (DEADLINE_EXCEEDED at the deadline). Calls fail fast: a backend that is
// down is UNAVAILABLE at once, not when the deadline passes. Channels are
// created once, at construction, and reconnect by themselves, at most a
// second after a backend comes back. Thread-safe.
#ifndef DATAMGMT_GATEWAY_BACKEND_BACKENDS_H_
#define DATAMGMT_GATEWAY_BACKEND_BACKENDS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace datamgmt::gateway {

struct BackendsOptions {
  // Full service name (e.g. "datamgmt.dht.v1.DhtService") -> "host:port".
  absl::flat_hash_map<std::string, std::string> addresses;
  // HTTP/2 connections per backend address, used round-robin. More than one
  // spreads many concurrent calls over more transport threads.
  int channels_per_backend = 2;
  // Largest response accepted. Default: 16 MiB.
  int max_receive_message_bytes = 16 << 20;
};

// Metadata as a list of (lowercase key, value) pairs, in arrival order.
using Metadata = std::vector<std::pair<std::string, std::string>>;

struct CallResult {
  grpc::Status status;
  // The response message; non-null exactly when status is OK.
  std::unique_ptr<google::protobuf::Message> response;
  Metadata initial_metadata;
  Metadata trailing_metadata;
  absl::Duration latency;
};

// One backend address and what its standard health service said.
struct BackendHealth {
  std::string address;
  std::vector<std::string> services;  // served at this address, sorted
  // "SERVING", "NOT_SERVING", "UNKNOWN", or "UNREACHABLE: <gRPC error>".
  std::string status;
  bool serving = false;
};

class Backends {
 public:
  explicit Backends(BackendsOptions options);
  Backends(const Backends&) = delete;
  Backends& operator=(const Backends&) = delete;

  // The address serving `service_full_name`, or nullptr.
  const std::string* AddressOf(absl::string_view service_full_name) const;

  // Calls the unary `method` with `request` (of method.input_type()) until
  // `deadline`, sending `metadata`. `done` runs exactly once on a gRPC
  // thread. A method of a service without an address completes with
  // UNIMPLEMENTED at once, on the calling thread; so does metadata gRPC
  // cannot send, with INVALID_ARGUMENT naming it: a key outside
  // [0-9a-z_.-]+, or a value of a key not ending in "-bin" that is not
  // printable ASCII.
  void Call(const google::protobuf::MethodDescriptor& method,
            std::unique_ptr<google::protobuf::Message> request,
            absl::Time deadline, const Metadata& metadata,
            absl::AnyInvocable<void(CallResult) &&> done);

  // Asks grpc.health.v1.Health/Check (service "") of every distinct address,
  // concurrently, each bounded by `timeout`. `done` runs once with one entry
  // per address, sorted by address.
  void CheckHealth(
      absl::Duration timeout,
      absl::AnyInvocable<void(std::vector<BackendHealth>) &&> done);

 private:
  struct Address {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::vector<std::string> services;
    std::atomic<uint32_t> next{0};
  };

  std::shared_ptr<grpc::Channel> ChannelFor(Address& address);

  const BackendsOptions options_;
  // By address; stable after construction.
  std::map<std::string, std::unique_ptr<Address>> by_address_;
  // By service full name; points into by_address_.
  absl::flat_hash_map<std::string, std::pair<const std::string*, Address*>>
      by_service_;
};

}  // namespace datamgmt::gateway

#endif  // DATAMGMT_GATEWAY_BACKEND_BACKENDS_H_
