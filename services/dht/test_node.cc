#include "services/dht/test_node.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/time/clock.h"

namespace datamgmt::dht {

absl::StatusOr<std::unique_ptr<TestNode>> TestNode::Start(
    TestNodeOptions options) {
  std::unique_ptr<TestNode> node(new TestNode());
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) return absl::InternalError(error.message());
  absl::StatusOr<std::unique_ptr<ContentStore>> store =
      ContentStore::Open({.path = options.dir});
  if (!store.ok()) return store.status();
  node->store_ = *std::move(store);
  // A placeholder address until the server knows its port.
  node->self_ = std::make_unique<SelfContact>(options.id, "127.0.0.1:1");
  absl::StatusOr<std::unique_ptr<Routing>> routing =
      Routing::Create(options.id, options.table,
                      options.clock != nullptr ? *options.clock : RealClock());
  if (!routing.ok()) return routing.status();
  node->routing_ = *std::move(routing);
  node->channels_ = std::make_unique<ChannelCache>(ChannelCacheOptions{});
  options.client.observer = options.observer;
  absl::StatusOr<std::unique_ptr<GrpcPeerClient>> client =
      GrpcPeerClient::Create(*node->self_, *node->channels_, node->stats_,
                             RealClock(), options.client);
  if (!client.ok()) return client.status();
  node->client_ = *std::move(client);
  node->learner_ =
      std::make_unique<ContactLearner>(*node->routing_, *node->client_);
  absl::StatusOr<std::unique_ptr<P2pService>> service =
      P2pService::Create({.self = node->self_.get(),
                          .routing = node->routing_.get(),
                          .learner = node->learner_.get(),
                          .store = node->store_.get(),
                          .stats = &node->stats_,
                          .clock = &RealClock(),
                          .peer_manager = options.peer_manager,
                          .observer = options.observer},
                         options.service);
  if (!service.ok()) return service.status();
  node->service_ = *std::move(service);
  absl::StatusOr<std::unique_ptr<LookupRunner>> runner = LookupRunner::Create(
      *node->routing_, *node->learner_, *node->client_, options.lookup);
  if (!runner.ok()) return runner.status();
  node->runner_ = *std::move(runner);
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = "127.0.0.1:0", .shutdown_grace = absl::Seconds(1)},
      {{node->service_.get(),
        std::string(p2p::v1::PeerProtocol::service_full_name())}});
  if (!server.ok()) return server.status();
  node->server_ = *std::move(server);
  if (absl::Status s = node->self_->SetAddress(
          absl::StrCat("127.0.0.1:", node->server_->port()));
      !s.ok()) {
    return s;
  }
  node->server_->SetServing(true);
  return node;
}

TestNode::~TestNode() {
  if (server_ != nullptr) server_->Shutdown();
  server_.reset();
  runner_.reset();
  client_.reset();  // waits for completions that use routing_ and learner_
  service_.reset();
  learner_.reset();
  channels_.reset();
  routing_.reset();
  store_.reset();
}

}  // namespace datamgmt::dht
