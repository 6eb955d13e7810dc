// Test support: a whole dht node in-process (a DhtNode on 127.0.0.1, both
// ports 0, maintenance loop off so tests drive it), started from a chosen
// key (TestKey: seeded, so a seeded test gets the same IDs every run). Plus
// Await, which turns a PeerClient call into a blocking one, and channels to
// a node's P2P port as a peer with a given key would open them.
//
//   absl::StatusOr<std::unique_ptr<TestNode>> node =
//       TestNode::Start({.key = TestKey(gen), .dir = dir});
//   absl::StatusOr<PingReply> r = Await<PingReply>([&](auto done) {
//     (*node)->client().Ping(address, {}, std::move(done));
//   });
//
// testonly. Thread-safe as its parts are.
#ifndef DATAMGMT_SERVICES_DHT_TEST_NODE_H_
#define DATAMGMT_SERVICES_DHT_TEST_NODE_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/crypto/node_key.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/routing_table.h"
#include "common/time/clock.h"
#include "services/dht/dht_node.h"

namespace datamgmt::dht {

// A P-256 key derived from `gen`.
crypto::NodeKey TestKey(absl::BitGenRef gen);

// A channel to a P2P port: mutual TLS presenting `key`'s certificate, as a
// node with that key dials, or plaintext if `key` is null.
std::shared_ptr<grpc::Channel> PeerChannel(const std::string& address,
                                           const crypto::NodeKey* key);

struct TestNodeOptions {
  // The node's key, written into `dir` unless it already holds one.
  // Default: a fresh random key.
  std::optional<crypto::NodeKey> key{};
  // The node's data directory (created). Required.
  std::string dir{};
  // Plaintext P2P (DhtNodeOptions::p2p_insecure). Default: mutual TLS.
  bool p2p_insecure = false;
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
  kademlia::NodeId id() const { return node_->id(); }
  // The node's current key (as stored in its data directory).
  crypto::NodeKey key() const;
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
  TestNode(std::unique_ptr<DhtNode> node, std::string dir)
      : node_(std::move(node)), dir_(std::move(dir)) {}

  std::unique_ptr<DhtNode> node_;
  const std::string dir_;
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
