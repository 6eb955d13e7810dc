#include "common/kademlia/testing/in_memory_network.h"

#include <algorithm>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"

namespace datamgmt::kademlia::sim {
namespace {

// Eviction pings one message may set off before the chain is cut short.
constexpr int64_t kMaxPingChain = 64;

}  // namespace

absl::Status InMemoryNetworkOptions::Validate() const {
  if (absl::Status s = table.Validate(); !s.ok()) return s;
  if (absl::Status s = lookup.Validate(); !s.ok()) return s;
  if (message_step <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("message_step must be positive, got ",
                     absl::FormatDuration(message_step)));
  }
  return absl::OkStatus();
}

InMemoryNetwork::InMemoryNetwork(InMemoryNetworkOptions options)
    : options_(std::move(options)),
      now_(absl::FromUnixSeconds(1'700'000'000)) {}

absl::StatusOr<std::unique_ptr<InMemoryNetwork>> InMemoryNetwork::Create(
    InMemoryNetworkOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::make_unique<InMemoryNetwork>(std::move(options));
}

absl::Status InMemoryNetwork::AddNode(const NodeId& id,
                                      std::optional<NodeId> bootstrap,
                                      absl::BitGenRef gen) {
  if (Find(id) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("node ", id.ShortHex(), " already exists"));
  }
  const Node* boot = nullptr;
  if (bootstrap.has_value()) {
    boot = Find(*bootstrap);
    if (boot == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("no bootstrap node ", bootstrap->ShortHex()));
    }
  }
  auto owned =
      std::make_unique<Node>(Contact{id, absl::StrCat("mem:", order_.size())},
                             RoutingTable(id, options_.table));
  Node& node = *owned;
  nodes_.emplace(id, std::move(owned));
  order_.push_back(id);
  if (boot == nullptr) return absl::OkStatus();
  Hear(node, boot->contact);
  return JoinLookups(node, gen);
}

absl::Status InMemoryNetwork::Kill(const NodeId& id) {
  Node* node = Find(id);
  if (node == nullptr) {
    return absl::NotFoundError(absl::StrCat("no node ", id.ShortHex()));
  }
  node->alive = false;
  return absl::OkStatus();
}

absl::Status InMemoryNetwork::Put(const NodeId& id, const NodeId& key,
                                  std::string value) {
  Node* node = Find(id);
  if (node == nullptr) {
    return absl::NotFoundError(absl::StrCat("no node ", id.ShortHex()));
  }
  node->values[key] = std::move(value);
  return absl::OkStatus();
}

absl::StatusOr<InMemoryNetwork::Node*> InMemoryNetwork::FindLive(
    const NodeId& id) {
  Node* node = Find(id);
  if (node == nullptr) {
    return absl::NotFoundError(absl::StrCat("no node ", id.ShortHex()));
  }
  if (!node->alive) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", id.ShortHex(), " is dead"));
  }
  return node;
}

absl::StatusOr<LookupResult> InMemoryNetwork::FindNode(const NodeId& from,
                                                       const NodeId& target) {
  absl::StatusOr<Node*> node = FindLive(from);
  if (!node.ok()) return node.status();
  return RunLookup(**node, target, LookupKind::kFindNode);
}

absl::StatusOr<LookupResult> InMemoryNetwork::FindValue(const NodeId& from,
                                                        const NodeId& key) {
  absl::StatusOr<Node*> node = FindLive(from);
  if (!node.ok()) return node.status();
  return RunLookup(**node, key, LookupKind::kFindValue);
}

std::vector<NodeId> InMemoryNetwork::LiveIds() const {
  std::vector<NodeId> live;
  for (const NodeId& id : order_) {
    if (IsAlive(id)) live.push_back(id);
  }
  return live;
}

bool InMemoryNetwork::IsAlive(const NodeId& id) const {
  const Node* node = Find(id);
  return node != nullptr && node->alive;
}

const RoutingTable* InMemoryNetwork::TableOf(const NodeId& id) const {
  const Node* node = Find(id);
  return node == nullptr ? nullptr : &node->table;
}

InMemoryNetwork::Node* InMemoryNetwork::Find(const NodeId& id) {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

const InMemoryNetwork::Node* InMemoryNetwork::Find(const NodeId& id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

absl::StatusOr<LookupResult> InMemoryNetwork::RunLookup(Node& from,
                                                        const NodeId& target,
                                                        LookupKind kind) {
  ++stats_.lookups;
  const LookupOptions& options = options_.lookup;
  absl::StatusOr<Lookup> lookup =
      Lookup::Create(from.contact.id, target, kind,
                     from.table.Closest(target, options.k), options);
  if (!lookup.ok()) return lookup.status();
  while (!lookup->done()) {
    // A round: every query handed out is answered before the next batch.
    const std::vector<Contact> batch = lookup->NextQueries();
    if (batch.empty()) {
      return absl::InternalError("lookup not done but has nothing to query");
    }
    for (const Contact& to : batch) {
      Reply reply = Deliver(from, to.id, target, kind);
      if (!reply.ok) {
        lookup->OnFailure(to.id);
      } else if (reply.value.has_value()) {
        lookup->OnValue(to.id, *std::move(reply.value));
      } else {
        lookup->OnNodes(to.id, reply.contacts);
      }
    }
  }
  return lookup->result();
}

InMemoryNetwork::Reply InMemoryNetwork::Deliver(Node& from, const NodeId& to,
                                                const NodeId& target,
                                                LookupKind kind) {
  Tick();
  ++stats_.find_rpcs;
  Node* callee = Find(to);
  if (callee == nullptr || !callee->alive) {
    ++stats_.failed_rpcs;
    from.table.MarkFailed(to, now_);
    return Reply{};
  }
  Hear(*callee, from.contact);
  Reply reply;
  reply.ok = true;
  if (kind == LookupKind::kFindValue) {
    auto it = callee->values.find(target);
    if (it != callee->values.end()) reply.value = it->second;
  }
  if (!reply.value.has_value()) {
    reply.contacts = callee->table.Closest(target, options_.lookup.k);
  }
  Hear(from, callee->contact);
  return reply;
}

void InMemoryNetwork::Hear(Node& node, const Contact& contact) {
  std::vector<std::pair<Node*, Contact>> pending = {{&node, contact}};
  int64_t chain = 0;
  while (!pending.empty() && chain < kMaxPingChain) {
    auto [listener, heard] = std::move(pending.back());
    pending.pop_back();
    const AddResult added = listener->table.Add(heard, now_);
    if (!added.ping_candidate.has_value()) continue;
    const Contact candidate = *added.ping_candidate;
    Tick();
    ++stats_.pings;
    ++chain;
    Node* pinged = Find(candidate.id);
    const bool responded = pinged != nullptr && pinged->alive;
    listener->table.OnPingResult(candidate.id, responded, now_);
    if (responded) {
      pending.emplace_back(pinged, listener->contact);
    } else {
      ++stats_.failed_rpcs;
    }
  }
  if (!pending.empty()) ++stats_.ping_chains_cut;
  stats_.longest_ping_chain = std::max(stats_.longest_ping_chain, chain);
}

absl::Status InMemoryNetwork::JoinLookups(Node& node, absl::BitGenRef gen) {
  const NodeId& self = node.contact.id;
  if (options_.self_lookup_on_join) {
    absl::StatusOr<LookupResult> r =
        RunLookup(node, self, LookupKind::kFindNode);
    if (!r.ok()) return r.status();
  }
  if (!options_.refresh_on_join) return absl::OkStatus();
  const std::vector<Contact> nearest = node.table.Closest(self, 1);
  if (nearest.empty()) return absl::OkStatus();
  for (int bucket = *BucketIndex(self, nearest[0].id) + 1; bucket < kIdBits;
       ++bucket) {
    absl::StatusOr<LookupResult> r = RunLookup(
        node, RandomIdInBucket(self, bucket, gen), LookupKind::kFindNode);
    if (!r.ok()) return r.status();
    if (absl::Status s = node.table.MarkRefreshed(bucket, now_); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<InMemoryNetwork>> BuildRandomNetwork(
    int n, InMemoryNetworkOptions options, absl::BitGenRef gen) {
  absl::StatusOr<std::unique_ptr<InMemoryNetwork>> network =
      InMemoryNetwork::Create(std::move(options));
  if (!network.ok()) return network.status();
  for (int i = 0; i < n; ++i) {
    std::optional<NodeId> bootstrap;
    if (i > 0) {
      bootstrap = (*network)->ids()[absl::Uniform<size_t>(gen, 0, i)];
    }
    absl::Status s;
    do {
      s = (*network)->AddNode(NodeId::Random(gen), bootstrap, gen);
    } while (absl::IsAlreadyExists(s));
    if (!s.ok()) return s;
  }
  return network;
}

}  // namespace datamgmt::kademlia::sim
