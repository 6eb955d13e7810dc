// An in-memory Kademlia network for tests and simulation: many nodes, each a
// NodeId with its own real RoutingTable, talking through synchronous
// function calls instead of gRPC. It does what a dht-service does with the
// core, so a large network can be built and measured in one process:
//
//  * Every delivered RPC teaches the callee its caller (callee.table.Add),
//    and every response teaches the caller the responder, exactly as the
//    service does on each incoming RPC and each reply.
//  * A FIND_NODE to X returns X.table.Closest(target, k); a FIND_VALUE
//    returns X's stored value for the key if it has one.
//  * A full bucket's ping-before-evict decision is carried out at once: the
//    candidate is pinged (dead nodes fail) and the outcome reported with
//    OnPingResult. A failed RPC is reported with MarkFailed.
//  * A node joins the Kademlia way: it adds one bootstrap contact, looks up
//    its own ID, then refreshes every bucket farther than its closest
//    neighbour with a lookup for a random ID in that bucket.
//  * Lookups are core Lookup objects, driven in rounds: every query that
//    NextQueries() hands out is delivered before it is asked again.
//
// Nothing reads the clock: time starts at a fixed instant and advances by
// `message_step` per message. Randomness comes from the BitGenRef passed to
// the methods that need it, so a seeded generator gives a reproducible run.
//
//   absl::BitGen gen(seed_seq);
//   InMemoryNetwork net(InMemoryNetworkOptions{});
//   net.AddNode(NodeId::Random(gen), std::nullopt, gen);
//   net.AddNode(NodeId::Random(gen), net.ids()[0], gen);
//   absl::StatusOr<LookupResult> r = net.FindNode(net.ids()[1], key);
//
// Thread-compatible: single-threaded, like the core it drives.
#ifndef DATAMGMT_COMMON_KADEMLIA_TESTING_IN_MEMORY_NETWORK_H_
#define DATAMGMT_COMMON_KADEMLIA_TESTING_IN_MEMORY_NETWORK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/lookup.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/routing_table.h"

namespace datamgmt::kademlia::sim {

struct InMemoryNetworkOptions {
  // Every node's routing table. Default: RoutingTableOptions{} (k = 20).
  RoutingTableOptions table;
  // Every lookup. Default: LookupOptions{} (k = 20, alpha = 3).
  LookupOptions lookup;
  // Simulated time that passes per message delivered. Must be positive.
  // Default: 10 ms.
  absl::Duration message_step = absl::Milliseconds(10);
  // Whether a joining node looks up its own ID. Turning it off cripples
  // the network (for tests that the checks can fail). Default: true.
  bool self_lookup_on_join = true;
  // Whether a joining node then refreshes each bucket farther than its
  // closest neighbour. Default: true.
  bool refresh_on_join = true;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// Counters over the network's life.
struct NetworkStats {
  // FIND_NODE and FIND_VALUE RPCs sent, including those to dead nodes.
  int64_t find_rpcs = 0;
  // Pings sent to carry out ping-before-evict.
  int64_t pings = 0;
  // RPCs (of either kind) sent to dead nodes.
  int64_t failed_rpcs = 0;
  // Lookups run, including those of joins and refreshes.
  int64_t lookups = 0;
  // Longest chain of eviction pings one message set off (a pinged node
  // learns the pinger, which may fill its bucket and start another ping).
  int64_t longest_ping_chain = 0;
  // Chains cut short after 64 pings (the rest of the chain is dropped).
  int64_t ping_chains_cut = 0;
};

class InMemoryNetwork {
 public:
  // Precondition: options.Validate().ok() (checked by Create).
  explicit InMemoryNetwork(InMemoryNetworkOptions options);

  // Returns InvalidArgument if `options` fail Validate().
  static absl::StatusOr<std::unique_ptr<InMemoryNetwork>> Create(
      InMemoryNetworkOptions options);

  InMemoryNetwork(const InMemoryNetwork&) = delete;
  InMemoryNetwork& operator=(const InMemoryNetwork&) = delete;

  // Adds a live node `id` and joins it through `bootstrap` (nullopt for the
  // first node). Returns AlreadyExists if `id` is taken, NotFound if
  // `bootstrap` is unknown, or an error from a join lookup. Through a dead
  // bootstrap the join lookups fail and the node learns no live node.
  absl::Status AddNode(const NodeId& id, std::optional<NodeId> bootstrap,
                       absl::BitGenRef gen);

  // Marks `id` dead: from now on every RPC to it fails and it sends
  // nothing. Returns NotFound if unknown.
  absl::Status Kill(const NodeId& id);

  // Stores `value` under `key` at node `id` directly (no RPC). Returns
  // NotFound if unknown.
  absl::Status Put(const NodeId& id, const NodeId& key, std::string value);

  // Runs an iterative lookup from node `from`, seeded with its table's
  // Closest(target, k). Returns NotFound if `from` is unknown,
  // FailedPrecondition if it is dead.
  absl::StatusOr<LookupResult> FindNode(const NodeId& from,
                                        const NodeId& target);
  absl::StatusOr<LookupResult> FindValue(const NodeId& from, const NodeId& key);

  // Every node's ID (live or dead), in the order added.
  const std::vector<NodeId>& ids() const { return order_; }
  // The IDs of the live nodes, in the order added.
  std::vector<NodeId> LiveIds() const;
  // False for dead and unknown nodes.
  bool IsAlive(const NodeId& id) const;
  // The node's routing table, or nullptr if unknown.
  const RoutingTable* TableOf(const NodeId& id) const;

  absl::Time now() const { return now_; }
  const NetworkStats& stats() const { return stats_; }
  const InMemoryNetworkOptions& options() const { return options_; }

 private:
  struct Node {
    Node(Contact contact, RoutingTable table)
        : contact(std::move(contact)), table(std::move(table)) {}

    Contact contact;
    RoutingTable table;
    bool alive = true;
    absl::flat_hash_map<NodeId, std::string> values;
  };
  // What a FIND_* RPC came back with.
  struct Reply {
    bool ok = false;
    std::optional<std::string> value;
    std::vector<Contact> contacts;
  };

  Node* Find(const NodeId& id);
  const Node* Find(const NodeId& id) const;
  // The node `id` if it exists and is alive: NotFound or FailedPrecondition
  // otherwise.
  absl::StatusOr<Node*> FindLive(const NodeId& id);
  absl::StatusOr<LookupResult> RunLookup(Node& from, const NodeId& target,
                                         LookupKind kind);
  // Delivers one FIND_* RPC from `from` to `to`.
  Reply Deliver(Node& from, const NodeId& to, const NodeId& target,
                LookupKind kind);
  // `node` heard from `contact`: adds it, carrying out any eviction ping
  // (which teaches the pinged node in turn) until nothing is left to do.
  void Hear(Node& node, const Contact& contact);
  // The lookups a node makes when it joins (see the header comment).
  absl::Status JoinLookups(Node& node, absl::BitGenRef gen);
  void Tick() { now_ += options_.message_step; }

  InMemoryNetworkOptions options_;
  absl::flat_hash_map<NodeId, std::unique_ptr<Node>> nodes_;
  std::vector<NodeId> order_;
  absl::Time now_;
  NetworkStats stats_;
};

// Builds a network of `n` nodes with random IDs, each joining through a
// uniformly random earlier node. Returns any error from Create or AddNode.
absl::StatusOr<std::unique_ptr<InMemoryNetwork>> BuildRandomNetwork(
    int n, InMemoryNetworkOptions options, absl::BitGenRef gen);

}  // namespace datamgmt::kademlia::sim

#endif  // DATAMGMT_COMMON_KADEMLIA_TESTING_IN_MEMORY_NETWORK_H_
