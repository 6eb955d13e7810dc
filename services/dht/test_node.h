// Test support: a whole dht node in-process (a DhtNode on 127.0.0.1, both
// ports 0, maintenance loop off so tests drive it), started from a chosen
// node ID. Plus Await, which turns a PeerClient call into a blocking one.
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
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/routing_table.h"
#include "common/time/clock.h"
#include "services/dht/dht_node.h"

namespace datamgmt::dht {

struct TestNodeOptions {
  kademlia::NodeId id{};
  // The node's data directory (created; the ID is written into it unless
  // it already holds one). Required.
  std::string dir{};
  kademlia::RoutingTableOptions table{};
  GrpcPeerClientOptions client{};
  P2pServiceOptions service{};
  LookupRunnerOptions lookup{};
  // Passed to DhtNodeOptions as they are (defaults as documented there,
  // except that the maintenance loop is off).
  DataOpsOptions data{};
  MaintenanceOptions maintenance{};
  PeerManagerReporterOptions reporter{};
  PeerGuardOptions guard{};
  // Default (nullptr): RealClock().
  Clock* clock = nullptr;
  // peer-manager's address; empty for none.
  std::string peer_manager_address{};
  // Deadline of calls to peer-manager. Default: 2 s.
  absl::Duration peer_manager_timeout = absl::Seconds(2);
  // Optional, not owned: replaces the peer-manager reporter.
  ContactObserver* observer = nullptr;
  bool run_maintenance_thread = false;
};

class TestNode {
 public:
  // Writes options.id into options.dir (if it holds no ID yet) and starts a
  // DhtNode there.
  static absl::StatusOr<std::unique_ptr<TestNode>> Start(
      TestNodeOptions options);

  DhtNode& node() { return *node_; }
  kademlia::Contact contact() const { return node_->contact(); }
  const kademlia::NodeId& id() const { return node_->id(); }
  std::string address() const { return node_->address(); }
  // "127.0.0.1:<local API port>".
  std::string api_address() const;

  Routing& routing() { return node_->routing(); }
  ContentStore& store() { return node_->store(); }
  TrafficStats& stats() { return node_->stats(); }
  GrpcPeerClient& client() { return node_->client(); }
  ContactLearner& learner() { return node_->learner(); }
  LookupRunner& lookups() { return node_->lookups(); }
  PeerGuard& guard() { return node_->guard(); }

 private:
  explicit TestNode(std::unique_ptr<DhtNode> node) : node_(std::move(node)) {}

  std::unique_ptr<DhtNode> node_;
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
