#include "gateway/backend/backends.h"

#include <grpcpp/generic/generic_stub.h>

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc/callback_queue.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace datamgmt::gateway {
namespace {

using ::google::protobuf::Message;
using ::google::protobuf::MessageFactory;
using GenericStub = grpc::TemplatedGenericStub<Message, Message>;

Metadata CopyMetadata(
    const std::multimap<grpc::string_ref, grpc::string_ref>& in) {
  Metadata out;
  out.reserve(in.size());
  for (const auto& [key, value] : in) {
    out.emplace_back(std::string(key.data(), key.size()),
                     std::string(value.data(), value.size()));
  }
  return out;
}

// Metadata gRPC refuses to send; grpc++ aborts the process on a call that
// carries it. Keys: [0-9a-z_.-]+. Values of keys not ending in "-bin":
// printable ASCII (0x20..0x7E).
absl::Status CheckMetadata(const Metadata& metadata) {
  for (const auto& [key, value] : metadata) {
    if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) {
          return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'z') ||
                 c == '_' || c == '.' || c == '-';
        })) {
      return absl::InvalidArgumentError(
          absl::StrCat("metadata key \"", absl::CHexEscape(key),
                       "\" is not allowed (only 0-9 a-z _ . -)"));
    }
    if (!absl::EndsWith(key, "-bin") &&
        !std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7e; })) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metadata \"", key,
          "\" has a value that is not printable ASCII: \"",
          absl::CHexEscape(value), "\""));
    }
  }
  return absl::OkStatus();
}

// One unary call in flight; deletes itself when the call completes.
struct PendingCall {
  grpc::ClientContext context;
  std::unique_ptr<Message> request;
  std::unique_ptr<Message> response;
  absl::AnyInvocable<void(CallResult) &&> done;
  absl::Time start;
};

}  // namespace

Backends::Backends(BackendsOptions options) : options_(std::move(options)) {
  PinCallbackQueue();
  const int per_backend = std::max(1, options_.channels_per_backend);
  for (const auto& [service, address] : options_.addresses) {
    auto& entry = by_address_[address];
    if (entry == nullptr) {
      entry = std::make_unique<Address>();
      for (int i = 0; i < per_backend; ++i) {
        grpc::ChannelArguments args;
        args.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
        // A distinct argument per channel keeps them on separate
        // connections instead of one shared subchannel.
        args.SetInt("datamgmt.gateway.channel_index", i);
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        // Backends are the node's own processes, next door: after one
        // restarts, reconnect within a second instead of gRPC's default
        // backoff of up to two minutes, during which calls on this channel
        // would fail fast with UNAVAILABLE although the backend is back.
        args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
        args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
        args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
        entry->channels.push_back(grpc::CreateCustomChannel(
            address, grpc::InsecureChannelCredentials(), args));
      }
    }
    entry->services.push_back(service);
  }
  for (auto& [address, entry] : by_address_) {
    std::sort(entry->services.begin(), entry->services.end());
    for (const std::string& service : entry->services) {
      by_service_[service] = {&address, entry.get()};
    }
  }
}

const std::string* Backends::AddressOf(
    absl::string_view service_full_name) const {
  auto it = by_service_.find(service_full_name);
  return it == by_service_.end() ? nullptr : it->second.first;
}

std::shared_ptr<grpc::Channel> Backends::ChannelFor(Address& address) {
  const uint32_t i = address.next.fetch_add(1, std::memory_order_relaxed);
  return address.channels[i % address.channels.size()];
}

void Backends::Call(const google::protobuf::MethodDescriptor& method,
                    std::unique_ptr<Message> request, absl::Time deadline,
                    const Metadata& metadata,
                    absl::AnyInvocable<void(CallResult) &&> done) {
  auto it = by_service_.find(method.service()->full_name());
  if (it == by_service_.end()) {
    CallResult result;
    result.status = grpc::Status(
        grpc::StatusCode::UNIMPLEMENTED,
        absl::StrCat("no backend serves ", method.service()->full_name()));
    std::move(done)(std::move(result));
    return;
  }
  if (absl::Status s = CheckMetadata(metadata); !s.ok()) {
    CallResult result;
    result.status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 std::string(s.message()));
    std::move(done)(std::move(result));
    return;
  }
  auto* call = new PendingCall;
  call->request = std::move(request);
  call->response.reset(MessageFactory::generated_factory()
                           ->GetPrototype(method.output_type())
                           ->New());
  call->done = std::move(done);
  call->start = absl::Now();
  call->context.set_deadline(absl::ToChronoTime(deadline));
  for (const auto& [key, value] : metadata) {
    call->context.AddMetadata(key, value);
  }
  GenericStub stub(ChannelFor(*it->second.second));
  const std::string path =
      absl::StrCat("/", method.service()->full_name(), "/", method.name());
  stub.UnaryCall(&call->context, path, grpc::StubOptions(),
                 call->request.get(), call->response.get(),
                 [call](grpc::Status status) {
                   std::unique_ptr<PendingCall> owned(call);
                   CallResult result;
                   result.latency = absl::Now() - owned->start;
                   result.initial_metadata = CopyMetadata(
                       owned->context.GetServerInitialMetadata());
                   result.trailing_metadata = CopyMetadata(
                       owned->context.GetServerTrailingMetadata());
                   if (status.ok()) result.response = std::move(owned->response);
                   result.status = std::move(status);
                   std::move(owned->done)(std::move(result));
                 });
}

namespace {

// Gathers the health answers of all addresses, then calls `done` once.
struct HealthRound {
  absl::Mutex mu;
  std::vector<BackendHealth> results ABSL_GUARDED_BY(mu);
  size_t pending ABSL_GUARDED_BY(mu) = 0;
  absl::AnyInvocable<void(std::vector<BackendHealth>) &&> done;

  void Finish(BackendHealth health) {
    std::vector<BackendHealth> all;
    {
      absl::MutexLock lock(&mu);
      results.push_back(std::move(health));
      if (--pending > 0) return;
      all = std::move(results);
    }
    std::sort(all.begin(), all.end(),
              [](const BackendHealth& a, const BackendHealth& b) {
                return a.address < b.address;
              });
    std::move(done)(std::move(all));
  }
};

struct HealthCall {
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub;
  BackendHealth health;
};

}  // namespace

void Backends::CheckHealth(
    absl::Duration timeout,
    absl::AnyInvocable<void(std::vector<BackendHealth>) &&> done) {
  if (by_address_.empty()) {
    std::move(done)({});
    return;
  }
  auto round = std::make_shared<HealthRound>();
  round->done = std::move(done);
  {
    absl::MutexLock lock(&round->mu);
    round->pending = by_address_.size();
  }
  for (auto& [address, entry] : by_address_) {
    auto* call = new HealthCall;
    call->health.address = address;
    call->health.services = entry->services;
    call->stub = grpc::health::v1::Health::NewStub(ChannelFor(*entry));
    call->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    call->stub->async()->Check(
        &call->context, &call->request, &call->response,
        [call, round](grpc::Status status) {
          std::unique_ptr<HealthCall> owned(call);
          BackendHealth& health = owned->health;
          if (!status.ok()) {
            health.status = absl::StrCat(
                "UNREACHABLE: ", status.error_message().empty()
                                     ? "no answer"
                                     : status.error_message());
          } else {
            health.status =
                grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                    owned->response.status());
            health.serving = owned->response.status() ==
                             grpc::health::v1::HealthCheckResponse::SERVING;
          }
          round->Finish(std::move(health));
        });
  }
}

}  // namespace datamgmt::gateway
