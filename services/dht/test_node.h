// Test support: a whole dht "node" in-process, wired as main will wire it
// (ContentStore in a directory, Routing, TrafficStats, ChannelCache,
// GrpcPeerClient, ContactLearner, P2pService, LookupRunner) and serving
// PeerProtocol with a GrpcServer on 127.0.0.1, port 0. Plus Await, which
// turns a PeerClient call into a blocking one.
//
//   absl::StatusOr<std::unique_ptr<TestNode>> node =
//       TestNode::Start({.id = id, .dir = dir});
//   absl::StatusOr<PingReply> r = Await<PingReply>([&](auto done) {
//     (*node)->client().Ping(address, {}, std::move(done));
//   });
//
// testonly. Thread-safe as its parts are.
#ifndef DATAMGMT_SERVICES_DHT_TEST_NODE_H_
#define DATAMGMT_SERVICES_DHT_TEST_NODE_H_

#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/grpc/channel_cache.h"
#include "common/grpc/server.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/routing_table.h"
#include "common/time/clock.h"
#include "services/dht/contact_learner.h"
#include "services/dht/content_store.h"
#include "services/dht/grpc_peer_client.h"
#include "services/dht/lookup_runner.h"
#include "services/dht/p2p_service.h"
#include "services/dht/routing.h"
#include "services/dht/self_contact.h"
#include "services/dht/traffic_stats.h"

namespace datamgmt::dht {

struct TestNodeOptions {
  kademlia::NodeId id{};
  // The ContentStore's directory (created). Required.
  std::string dir{};
  kademlia::RoutingTableOptions table{};
  GrpcPeerClientOptions client{};
  P2pServiceOptions service{};
  LookupRunnerOptions lookup{};
  // The routing table's clock. Default (nullptr): RealClock().
  Clock* clock = nullptr;
  // Optional, not owned.
  peers::v1::PeerManager::StubInterface* peer_manager = nullptr;
  ContactObserver* observer = nullptr;
};

class TestNode {
 public:
  static absl::StatusOr<std::unique_ptr<TestNode>> Start(
      TestNodeOptions options);
  // Shuts the server down, then destroys the client (waiting for its calls)
  // before everything its completions use.
  ~TestNode();

  kademlia::Contact contact() const { return self_->Get(); }
  const kademlia::NodeId& id() const { return self_->id(); }
  std::string address() const { return contact().address; }

  Routing& routing() { return *routing_; }
  ContentStore& store() { return *store_; }
  TrafficStats& stats() { return stats_; }
  GrpcPeerClient& client() { return *client_; }
  ContactLearner& learner() { return *learner_; }
  LookupRunner& lookups() { return *runner_; }

 private:
  TestNode() = default;

  std::unique_ptr<ContentStore> store_;
  std::unique_ptr<SelfContact> self_;
  std::unique_ptr<Routing> routing_;
  TrafficStats stats_;
  std::unique_ptr<ChannelCache> channels_;
  std::unique_ptr<GrpcPeerClient> client_;
  std::unique_ptr<ContactLearner> learner_;
  std::unique_ptr<P2pService> service_;
  std::unique_ptr<LookupRunner> runner_;
  std::unique_ptr<GrpcServer> server_;
};

// Runs `start(done)`, which must start one PeerClient call completing
// through `done`, and waits for the completion (every call has a deadline).
template <typename T, typename Start>
absl::StatusOr<T> Await(Start start) {
  absl::Notification finished;
  absl::StatusOr<T> out = absl::UnknownError("not completed");
  start([&](absl::StatusOr<T> result) {
    out = std::move(result);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_TEST_NODE_H_
