#include "fuzz/p2p_harness.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto/sha256.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/time/clock.h"
#include "datamgmt/p2p/v1/p2p.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "services/dht/contact_learner.h"
#include "services/dht/contact_observer.h"
#include "services/dht/content_store.h"
#include "services/dht/fake_peer_client.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/p2p_service.h"
#include "services/dht/reply_verifier.h"
#include "services/dht/routing.h"
#include "services/dht/self_contact.h"
#include "services/dht/traffic_stats.h"
#include "spdlog/spdlog.h"

namespace datamgmt::fuzz {
namespace {

namespace p2p = ::datamgmt::p2p::v1;
namespace peers = ::datamgmt::peers::v1;
using dht::P2pMethod;
using kademlia::Contact;
using kademlia::NodeId;

// Small limits, so that truncation and the size checks are reachable with
// small inputs.
constexpr int kK = 4;
constexpr size_t kMaxValueBytes = 64;
constexpr char kSelfAddress[] = "127.0.0.1:8000";
// The value the store holds from the start (FindValue's "found" path).
constexpr char kHeldValue[] = "hello";
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

NodeId IdFromSeed(uint64_t seed) {
  std::mt19937_64 gen(seed);
  kademlia::IdBytes bytes;
  for (auto& b : bytes) b = static_cast<uint8_t>(gen());
  return NodeId(bytes);
}

// The node under test, and who calls it (the verifier's "self").
const NodeId& ServerId() {
  static const NodeId id = IdFromSeed(1);
  return id;
}
const NodeId& CallerId() {
  static const NodeId id = IdFromSeed(2);
  return id;
}

// Forwards each call to the P2pService of the current input.
class Forwarder final : public p2p::PeerProtocol::CallbackService {
 public:
  void Set(dht::P2pService* service) {
    absl::MutexLock lock(&mu_);
    current_ = service;
  }

  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* ctx,
                                 const p2p::PingRequest* request,
                                 p2p::PingResponse* response) override {
    return Current()->Ping(ctx, request, response);
  }
  grpc::ServerUnaryReactor* FindNode(grpc::CallbackServerContext* ctx,
                                     const p2p::FindNodeRequest* request,
                                     p2p::FindNodeResponse* response) override {
    return Current()->FindNode(ctx, request, response);
  }
  grpc::ServerUnaryReactor* FindValue(
      grpc::CallbackServerContext* ctx, const p2p::FindValueRequest* request,
      p2p::FindValueResponse* response) override {
    return Current()->FindValue(ctx, request, response);
  }
  grpc::ServerUnaryReactor* Store(grpc::CallbackServerContext* ctx,
                                  const p2p::StoreRequest* request,
                                  p2p::StoreResponse* response) override {
    return Current()->Store(ctx, request, response);
  }
  grpc::ServerUnaryReactor* GetPeers(grpc::CallbackServerContext* ctx,
                                     const p2p::GetPeersRequest* request,
                                     p2p::GetPeersResponse* response) override {
    return Current()->GetPeers(ctx, request, response);
  }
  grpc::ServerUnaryReactor* SharePeers(
      grpc::CallbackServerContext* ctx, const p2p::SharePeersRequest* request,
      p2p::SharePeersResponse* response) override {
    return Current()->SharePeers(ctx, request, response);
  }

 private:
  dht::P2pService* Current() {
    absl::MutexLock lock(&mu_);
    FUZZ_CHECK(current_ != nullptr) << "a call outside an input";
    return current_;
  }

  absl::Mutex mu_;
  dht::P2pService* current_ ABSL_GUARDED_BY(mu_) = nullptr;
};

peers::Peer MakePeer(const std::string& host, uint32_t port,
                         const std::string& node_id_hex, double last_seen) {
  peers::Peer peer;
  peer.set_address(absl::StrCat(host, ":", port));
  peer.set_host(host);
  peer.set_port(port);
  peer.set_node_id(node_id_hex);
  peer.set_last_seen(last_seen);
  peer.set_healthy(true);
  return peer;
}

// peer-manager: ListPeers answers a fixed list (valid and malformed peers,
// this node) plus a peer at the current sender's address; MergePeers adds
// every hint.
class FakePeerManager final : public peers::PeerManager::CallbackService {
 public:
  void SetSender(const p2p::Contact& sender) {
    absl::MutexLock lock(&mu_);
    sender_ = sender;
  }

  grpc::ServerUnaryReactor* ListPeers(
      grpc::CallbackServerContext* ctx, const peers::ListPeersRequest*,
      peers::ListPeersResponse* response) override {
    for (int i = 0; i < 6; ++i) {
      *response->add_peers() =
          MakePeer(absl::StrCat("10.2.0.", i), 8000,
                   IdFromSeed(100 + i).ToHex(), 1.7e9 - i);
    }
    *response->add_peers() = MakePeer("node-without-id", 9000, "", 1.6e9);
    *response->add_peers() = MakePeer("", 1, "", 1.0);               // no host
    *response->add_peers() = MakePeer("10.2.1.1", 70000, "", 1.0);  // port
    *response->add_peers() = MakePeer("10.2.1.2", 1, "zz", 1.0);     // id
    *response->add_peers() =
        MakePeer("127.0.0.1", 8000, ServerId().ToHex(), 1.7e9);  // self
    {
      absl::MutexLock lock(&mu_);
      const std::string& address = sender_.address();
      const size_t colon = address.rfind(':');
      uint32_t port = 0;
      if (colon != std::string::npos &&
          absl::SimpleAtoi(address.substr(colon + 1), &port)) {
        *response->add_peers() =
            MakePeer(address.substr(0, colon), port, "", 1.7e9 + 1);
        response->mutable_peers()->rbegin()->set_address(address);
      }
    }
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* MergePeers(
      grpc::CallbackServerContext* ctx, const peers::MergePeersRequest* request,
      peers::MergePeersResponse* response) override {
    response->set_added(static_cast<uint32_t>(request->peers_size()));
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  absl::Mutex mu_;
  p2p::Contact sender_ ABSL_GUARDED_BY(mu_);
};

class NullObserver final : public dht::ContactObserver {
 public:
  void OnContactResult(const dht::ContactReport&) override {}
  void OnInboundSender(const Contact&) override {}
};

struct Answer {
  grpc::Status status;
  std::string body;
};

kademlia::RoutingTableOptions RoutingOptions() {
  kademlia::RoutingTableOptions options;
  options.k = kK;
  return options;
}

// The verifier's context for answers of the node under test.
dht::VerifyContext Verify() {
  return dht::VerifyContext{.address = kSelfAddress,
                            .self = CallerId(),
                            .expected = ServerId(),
                            .max_contacts = kK,
                            .max_value_bytes = kMaxValueBytes};
}

class Harness {
 public:
  Harness() : self_(ServerId(), kSelfAddress), clock_(kNow) {
    spdlog::set_level(spdlog::level::off);
    google::protobuf::SetLogHandler(nullptr);
    std::string dir_template =
        (std::filesystem::temp_directory_path() / "datamgmt-p2p-fuzz-XXXXXX")
            .string();
    FUZZ_CHECK(mkdtemp(dir_template.data()) != nullptr) << dir_template;
    dir_ = dir_template;
    absl::StatusOr<std::unique_ptr<dht::ContentStore>> store =
        dht::ContentStore::Open({.path = dir_.string()});
    FUZZ_CHECK(store.ok()) << store.status();
    store_ = *std::move(store);
    FUZZ_CHECK(store_->Put(kHeldValue).ok());

    for (uint64_t i = 0; i < 40; ++i) {
      known_.push_back(Contact{.id = IdFromSeed(1000 + i),
                               .address = absl::StrCat("10.1.0.", i, ":8000")});
    }

    grpc::ServerBuilder builder;
    builder.RegisterService(&forwarder_);
    builder.RegisterService(&peer_manager_);
    server_ = builder.BuildAndStart();
    FUZZ_CHECK(server_ != nullptr);
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
    peer_manager_stub_ = peers::PeerManager::NewStub(channel_);
  }

  void RemoveDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  dht::ContentStore& store() { return *store_; }

  // Calls `method` with `request` on a fresh P2pService.
  Answer Call(P2pMethod method, absl::string_view request,
              const p2p::Contact& sender) {
    absl::StatusOr<std::unique_ptr<dht::Routing>> routing =
        dht::Routing::Create(ServerId(), RoutingOptions(), clock_);
    FUZZ_CHECK(routing.ok()) << routing.status();
    for (const Contact& c : known_) (void)(*routing)->Learn(c);
    dht::FakePeerClient client(ServerId());
    dht::ContactLearner learner(**routing, client);
    dht::TrafficStats stats;
    NullObserver observer;
    absl::StatusOr<std::unique_ptr<dht::P2pService>> service =
        dht::P2pService::Create(
            {.self = &self_,
             .routing = routing->get(),
             .learner = &learner,
             .store = store_.get(),
             .stats = &stats,
             .clock = &clock_,
             .peer_manager = peer_manager_stub_.get(),
             .observer = &observer},
            {.k = kK,
             .max_value_bytes = kMaxValueBytes,
             .peer_manager_timeout = absl::Seconds(5)});
    FUZZ_CHECK(service.ok()) << service.status();
    forwarder_.Set(service->get());
    peer_manager_.SetSender(sender);

    grpc::Slice slice(request.data(), request.size());
    grpc::ByteBuffer request_buffer(&slice, 1);
    grpc::ByteBuffer response_buffer;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    absl::Notification done;
    Answer answer;
    stub_->UnaryCall(&ctx,
                     absl::StrCat("/datamgmt.p2p.v1.PeerProtocol/",
                                  dht::P2pMethodName(method)),
                     grpc::StubOptions(), &request_buffer, &response_buffer,
                     [&](grpc::Status status) {
                       answer.status = std::move(status);
                       done.Notify();
                     });
    done.WaitForNotification();
    forwarder_.Set(nullptr);
    FUZZ_CHECK(answer.status.error_code() != grpc::DEADLINE_EXCEEDED)
        << P2pMethodName(method) << " never answered";
    if (answer.status.ok()) {
      std::vector<grpc::Slice> slices;
      FUZZ_CHECK(response_buffer.Dump(&slices).ok());
      for (const grpc::Slice& s : slices) {
        answer.body.append(reinterpret_cast<const char*>(s.begin()), s.size());
      }
    }
    return answer;
  }

 private:
  const dht::SelfContact self_;
  FakeClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<dht::ContentStore> store_;
  std::vector<Contact> known_;
  Forwarder forwarder_;
  FakePeerManager peer_manager_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::unique_ptr<peers::PeerManager::Stub> peer_manager_stub_;
};

Harness& GetHarness() {
  // Never destroyed (gRPC threads may still run at exit); its directory is
  // removed at exit.
  static Harness* harness = [] {
    auto* h = new Harness();
    std::atexit([] { GetHarness().RemoveDirectory(); });
    return h;
  }();
  return *harness;
}

// Checks that hold for every method. Returns the sender if it is valid.
std::optional<Contact> CheckCommon(const p2p::Contact& sender_proto,
                                   const Answer& answer) {
  const grpc::StatusCode code = answer.status.error_code();
  FUZZ_CHECK(code == grpc::OK || code == grpc::INVALID_ARGUMENT ||
             code == grpc::RESOURCE_EXHAUSTED)
      << "unexpected status " << code << ": "
      << answer.status.error_message();
  absl::StatusOr<Contact> sender =
      dht::ContactFromProto(sender_proto, "sender");
  if (!sender.ok()) {
    FUZZ_CHECK(code == grpc::INVALID_ARGUMENT)
        << "a malformed sender was not refused: " << sender.status();
    return std::nullopt;
  }
  return *sender;
}

// Contacts of a FindNode/FindValue answer: at most k, nearest to `target`
// first, never the sender.
void CheckClosest(const google::protobuf::RepeatedPtrField<p2p::Contact>& list,
                  const NodeId& target, const Contact& sender) {
  FUZZ_CHECK(list.size() <= kK) << list.size() << " contacts";
  std::optional<NodeId> previous;
  for (const p2p::Contact& proto : list) {
    absl::StatusOr<Contact> c = dht::ContactFromProto(proto, "contact");
    FUZZ_CHECK(c.ok()) << "answered a malformed contact: " << c.status();
    FUZZ_CHECK(c->id != sender.id) << "answered the sender to itself";
    FUZZ_CHECK(c->id != ServerId()) << "answered itself";
    if (previous.has_value()) {
      FUZZ_CHECK(!kademlia::CloserTo(target, c->id, *previous))
          << "contacts not nearest first";
    }
    previous = c->id;
  }
}

template <typename Message>
bool Parse(absl::string_view bytes, Message& message) {
  return message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

// Sends `bytes` raw as a `method` request. Returns the request they parse
// as and the answer, or nullopt (after checking that the node refused them)
// if they are not a valid Request.
template <typename Request>
std::optional<std::pair<Request, Answer>> Send(P2pMethod method,
                                               absl::string_view bytes) {
  Request request;
  const bool parsed = Parse(bytes, request);
  Answer answer = GetHarness().Call(method, bytes, request.sender());
  if (!parsed) {
    FUZZ_CHECK(!answer.status.ok()) << "unparseable request answered OK";
    return std::nullopt;
  }
  return std::make_pair(std::move(request), std::move(answer));
}

void RunPing(absl::string_view bytes) {
  const auto sent = Send<p2p::PingRequest>(P2pMethod::kPing, bytes);
  if (!sent) return;
  const auto& [request, answer] = *sent;
  if (!CheckCommon(request.sender(), answer) || !answer.status.ok()) return;
  p2p::PingResponse response;
  FUZZ_CHECK(Parse(answer.body, response));
  absl::StatusOr<dht::PingReply> verified = dht::VerifyPing(response, Verify());
  FUZZ_CHECK(verified.ok()) << verified.status();
}

void RunFindNode(absl::string_view bytes) {
  const auto sent = Send<p2p::FindNodeRequest>(P2pMethod::kFindNode, bytes);
  if (!sent) return;
  const auto& [request, answer] = *sent;
  std::optional<Contact> sender = CheckCommon(request.sender(), answer);
  if (!sender || !answer.status.ok()) return;
  absl::StatusOr<NodeId> target = dht::IdFromProto(request.target(), "target");
  FUZZ_CHECK(target.ok()) << "a malformed target was answered OK";
  p2p::FindNodeResponse response;
  FUZZ_CHECK(Parse(answer.body, response));
  CheckClosest(response.contacts(), *target, *sender);
  absl::StatusOr<dht::FindNodeReply> verified =
      dht::VerifyFindNode(response, Verify());
  FUZZ_CHECK(verified.ok()) << verified.status();
}

void RunFindValue(absl::string_view bytes) {
  const auto sent = Send<p2p::FindValueRequest>(P2pMethod::kFindValue, bytes);
  if (!sent) return;
  const auto& [request, answer] = *sent;
  std::optional<Contact> sender = CheckCommon(request.sender(), answer);
  if (!sender || !answer.status.ok()) return;
  absl::StatusOr<NodeId> key = dht::IdFromProto(request.key(), "key");
  FUZZ_CHECK(key.ok()) << "a malformed key was answered OK";
  p2p::FindValueResponse response;
  FUZZ_CHECK(Parse(answer.body, response));
  if (response.has_value()) {
    FUZZ_CHECK(NodeId(crypto::Sha256(response.value())) == *key)
        << "a value that is not the key's";
  } else {
    CheckClosest(response.closer().contacts(), *key, *sender);
  }
  absl::StatusOr<dht::FindValueReply> verified =
      dht::VerifyFindValue(response, *key, Verify());
  FUZZ_CHECK(verified.ok()) << verified.status();
}

void RunStore(absl::string_view bytes) {
  const auto sent = Send<p2p::StoreRequest>(P2pMethod::kStore, bytes);
  if (!sent) return;
  const auto& [request, answer] = *sent;
  std::optional<Contact> sender = CheckCommon(request.sender(), answer);
  if (!sender) return;
  const absl::StatusOr<NodeId> key = dht::IdFromProto(request.key(), "key");
  if (key.ok() && request.value().size() > kMaxValueBytes) {
    FUZZ_CHECK(answer.status.error_code() == grpc::RESOURCE_EXHAUSTED)
        << "an oversized value was not refused";
  }
  if (!answer.status.ok()) return;
  FUZZ_CHECK(key.ok()) << "a malformed key was answered OK";
  absl::StatusOr<std::string> held = GetHarness().store().Get(*key);
  FUZZ_CHECK(held.ok() && *held == request.value())
      << "Store answered OK but the store does not hold the value";
  p2p::StoreResponse response;
  FUZZ_CHECK(Parse(answer.body, response));
  absl::StatusOr<dht::StoreReply> verified =
      dht::VerifyStore(response, Verify());
  FUZZ_CHECK(verified.ok()) << verified.status();
}

void RunGetPeers(absl::string_view bytes) {
  const auto sent = Send<p2p::GetPeersRequest>(P2pMethod::kGetPeers, bytes);
  if (!sent) return;
  const auto& [request, answer] = *sent;
  std::optional<Contact> sender = CheckCommon(request.sender(), answer);
  if (!sender || !answer.status.ok()) return;
  const size_t max = request.max_peers() == 0 ||
                             request.max_peers() > dht::kMaxPeerEntries
                         ? dht::kMaxPeerEntries
                         : request.max_peers();
  p2p::GetPeersResponse response;
  FUZZ_CHECK(Parse(answer.body, response));
  FUZZ_CHECK(static_cast<size_t>(response.peers_size()) <= max)
      << response.peers_size() << " peers for max_peers " << max;
  for (const p2p::PeerEntry& proto : response.peers()) {
    absl::StatusOr<dht::PeerEntry> entry = dht::PeerEntryFromProto(proto);
    FUZZ_CHECK(entry.ok()) << "answered a malformed peer: " << entry.status();
    FUZZ_CHECK(!dht::IsAtAddress(*entry, sender->address) &&
               entry->node_id != sender->id)
        << "answered the sender to itself";
    FUZZ_CHECK(!dht::IsAtAddress(*entry, kSelfAddress) &&
               entry->node_id != ServerId())
        << "answered itself";
  }
  absl::StatusOr<dht::GetPeersReply> verified =
      dht::VerifyGetPeers(response, max, Verify());
  FUZZ_CHECK(verified.ok()) << verified.status();
}

void RunSharePeers(absl::string_view bytes) {
  const auto sent = Send<p2p::SharePeersRequest>(P2pMethod::kSharePeers, bytes);
  if (!sent) return;
  const auto& [request, answer] = *sent;
  std::optional<Contact> sender = CheckCommon(request.sender(), answer);
  if (!sender) return;
  if (static_cast<size_t>(request.peers_size()) > dht::kMaxPeerEntries) {
    FUZZ_CHECK(answer.status.error_code() == grpc::RESOURCE_EXHAUSTED)
        << request.peers_size() << " entries were not refused";
  }
  if (!answer.status.ok()) return;
  p2p::SharePeersResponse response;
  FUZZ_CHECK(Parse(answer.body, response));
  FUZZ_CHECK(response.added() + response.ignored() ==
             static_cast<uint32_t>(request.peers_size()))
      << "added " << response.added() << " + ignored " << response.ignored()
      << " != " << request.peers_size() << " entries";
  absl::StatusOr<dht::SharePeersReply> verified =
      dht::VerifySharePeers(response, Verify());
  FUZZ_CHECK(verified.ok()) << verified.status();
}

}  // namespace

void RunP2pRequest(P2pMethod method, absl::string_view request) {
  switch (method) {
    case P2pMethod::kPing:
      return RunPing(request);
    case P2pMethod::kFindNode:
      return RunFindNode(request);
    case P2pMethod::kFindValue:
      return RunFindValue(request);
    case P2pMethod::kStore:
      return RunStore(request);
    case P2pMethod::kGetPeers:
      return RunGetPeers(request);
    case P2pMethod::kSharePeers:
      return RunSharePeers(request);
  }
}

}  // namespace datamgmt::fuzz
