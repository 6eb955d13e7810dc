// PeerTable: peer-manager's authority on the node's known peers, as pure
// logic. It implements the rules of datamgmt.peers.v1.PeerManager (list,
// get, add, remove, record contact results, merge hints, stats) and the
// seed's pruning; the gRPC service converts protos to the types below and
// calls it, and persists Records() to known_peers.json.
//
//   PeerTableOptions options;
//   options.self_addresses = {"10.0.0.1:8000"};
//   options.self_id = my_id;
//   absl::StatusOr<PeerTable> table = PeerTable::Create(options);
//   table->Add("10.0.0.7:8000", /*node_id_hex=*/"", now);
//   ContactResult answered;
//   answered.address = "10.0.0.7:8000";
//   answered.success = true;
//   answered.rtt = absl::Milliseconds(3);
//   table->RecordContacts({answered}, now);
//   for (const PeerView& p : table->List(/*healthy_only=*/true, now)) ...
//
// Policies (each documented at its method):
//  * Addresses are canonicalised (common/net/peer_address.h) before
//  storing/comparing.
//  * This node is never stored: not under one of self_addresses, nor with
//    self_id as its node ID.
//  * Capacity: at most max_peers. When full, a new peer takes the place of
//    the dead peer (kademlia::IsDead at `now`) seen least recently, which a
//    health round would prune anyway; if no peer is dead it is refused. Live
//    peers are never displaced: long-lived peers are the most valuable
//    (Kademlia's preference), and unverified hints must not flush them.
//
// Thread-compatible: not synchronised. The service guards it with a mutex.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_TABLE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_TABLE_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/peer_health.h"
#include "common/net/peer_address.h"
#include "services/peer_manager/peer_record.h"

namespace datamgmt::peer_manager {

// peers.proto's limits.
inline constexpr int kDefaultMaxPeers = 1000;
inline constexpr int kDefaultMaxBatchSize = 1000;

struct PeerTableOptions {
  // Most peers stored. Must be at least 1. Default: 1000 (peers.proto).
  int max_peers = kDefaultMaxPeers;

  // Most items in one RecordContacts or MergeHints call. Must be at least 1.
  // Default: 1000 (peers.proto).
  int max_batch_size = kDefaultMaxBatchSize;

  // The seed's health rules: healthy window, success rate, new-peer
  // attempts, prune age (also the age beyond which a hint is stale).
  // Default: HealthOptions{} (5 min, 50%, 5 attempts, 1 h).
  kademlia::HealthOptions health;

  // This node's own advertised P2P addresses, "host:port"; never stored.
  // Each must be a valid peer address. Default: none.
  std::vector<std::string> self_addresses;

  // This node's ID; a peer with it is never stored. Default: unset.
  std::optional<kademlia::NodeId> self_id;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// One call this node made to a peer (peers.proto ContactResult).
struct ContactResult {
  // The dialled address, "host:port". Required.
  std::string address;
  // The ID the peer answered with, 64 hex digits, or empty. Read on
  // successes only.
  std::string node_id;
  bool success = false;
  // Round-trip time of a success; nullopt if not measured.
  std::optional<absl::Duration> rtt;
  // When the call completed; nullopt or a future time means `now`.
  std::optional<absl::Time> observed_at;
};

// A second-hand peer (types.proto PeerHint).
struct PeerHint {
  // "host:port". Required.
  std::string address;
  // 64 hex digits, or empty if unknown.
  std::string node_id;
  // When the hint's source last heard from the peer; nullopt if unknown
  // (the proto's 0). Never copied into our own last_seen.
  std::optional<absl::Time> last_seen;
};

struct AddOutcome {
  PeerView peer;
  // The dead peer displaced to make room, if the table was full.
  std::optional<PeerRecord> evicted;
};

// Counts as RecordContactsResponse reports them, plus displaced peers.
struct RecordContactsOutcome {
  int applied = 0;  // results for known peers
  int added = 0;    // successes that added a peer
  int ignored = 0;  // malformed, self, unknown failures, no room
  std::vector<PeerRecord> evicted;
};

// Counts as MergePeersResponse reports them, plus what else happened.
struct MergeOutcome {
  int added = 0;            // unknown peers added
  int ignored = 0;          // malformed, self, stale, no room
  int known = 0;            // hints for known peers (in neither count above)
  int node_ids_filled = 0;  // known peers whose empty node_id was filled
  std::vector<PeerRecord> evicted;
};

struct PeerCounts {
  int total = 0;
  int healthy = 0;
};

struct RestoreOutcome {
  int restored = 0;
  int skipped_self = 0;           // this node's address or ID
  int skipped_duplicate = 0;      // address already in the table
  int skipped_over_capacity = 0;  // the least recently seen beyond max_peers
};

class PeerTable {
 public:
  // Returns InvalidArgument if options.Validate() fails.
  static absl::StatusOr<PeerTable> Create(PeerTableOptions options);

  const PeerTableOptions& options() const { return options_; }
  size_t size() const { return peers_.size(); }
  bool empty() const { return peers_.empty(); }

  // All peers (or only the healthy ones), ordered by address byte-wise,
  // with health evaluated at `now`.
  std::vector<PeerView> List(bool healthy_only, absl::Time now) const;

  // Returns InvalidArgument for a malformed address, NotFound if unknown.
  absl::StatusOr<PeerView> Get(absl::string_view address, absl::Time now) const;

  // Adds a peer by hand: no attempts, last_seen = added_at = now.
  // `node_id_hex` is empty or 64 hex digits (stored lowercase). Returns
  // InvalidArgument for a malformed address or ID, or this node's own
  // address or ID; AlreadyExists if known; ResourceExhausted if full and no
  // peer is dead.
  absl::StatusOr<AddOutcome> Add(absl::string_view address,
                                 absl::string_view node_id_hex, absl::Time now);

  // Removes a peer and returns it. With `last_seen_before`, only if the
  // peer's last_seen is strictly earlier; otherwise FailedPrecondition and
  // the peer is kept. Returns InvalidArgument for a malformed address,
  // NotFound if unknown.
  absl::StatusOr<PeerRecord> Remove(absl::string_view address,
                                    std::optional<absl::Time> last_seen_before);

  // Applies first-hand contact results in order (peers.proto rules):
  //  success, known    success_count+1, last_seen = observed_at (never
  //                    backwards), last_rtt = rtt (kept if rtt is unset);
  //                    an empty node_id is filled in; a different non-empty
  //                    node_id means another node holds the address: the ID
  //                    is replaced and the counts restart from this result.
  //  success, unknown  added with success_count 1 (it proved reachable),
  //                    subject to the capacity policy.
  //  failure, known    failure_count+1; nothing else changes.
  //  failure, unknown  ignored.
  // Malformed items (address, non-empty node_id that is not 64 hex digits
  // on a success, negative rtt) and items naming this node are ignored.
  // applied + added + ignored == results.size(). Returns ResourceExhausted,
  // applying nothing, for more than max_batch_size results.
  absl::StatusOr<RecordContactsOutcome> RecordContacts(
      absl::Span<const ContactResult> results, absl::Time now);

  // Merges second-hand hints. A hint for a known peer changes nothing but
  // an empty node_id. An unknown, well-formed hint that is not this node
  // and not stale (last_seen set and older than health.prune_age) is added
  // with no attempts, last_seen = now and the hint's node_id, subject to
  // the capacity policy; everything else is ignored. Returns
  // ResourceExhausted, merging nothing, for more than max_batch_size hints.
  absl::StatusOr<MergeOutcome> MergeHints(absl::Span<const PeerHint> hints,
                                          absl::Time now);

  // Removes every peer that is dead at `now` (kademlia::IsDead: last_seen
  // more than prune_age ago; exactly prune_age is not dead) and returns
  // them in address order.
  std::vector<PeerRecord> Prune(absl::Time now);

  // Total and healthy peers at `now`.
  PeerCounts Stats(absl::Time now) const;

  // Every record, in address order: what to persist.
  std::vector<PeerRecord> Records() const;

  // Inserts persisted records (at start-up). Skips this node, addresses
  // already present, and, beyond capacity, the least recently seen.
  RestoreOutcome Restore(std::vector<PeerRecord> records);

 private:
  explicit PeerTable(PeerTableOptions options,
                     std::vector<net::PeerAddress> self_addresses);

  bool IsSelf(const net::PeerAddress& address) const;
  bool IsSelf(const std::optional<kademlia::NodeId>& id) const;
  PeerView View(const PeerRecord& record, absl::Time now) const;
  // True if a new peer fits, after displacing a dead one into `evicted`
  // if the table is full.
  bool MakeRoom(absl::Time now, std::optional<PeerRecord>& evicted);

  PeerTableOptions options_;
  std::vector<net::PeerAddress> self_addresses_;  // canonical
  std::map<std::string, PeerRecord> peers_;       // by address.ToString()
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_TABLE_H_
