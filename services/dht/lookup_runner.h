// Runs iterative Kademlia lookups (kademlia::Lookup) over a PeerClient,
// asynchronously: the core decides whom to ask, this sends the FindNode or
// FindValue RPCs and feeds the outcomes back until the lookup is done.
//
//   absl::StatusOr<std::unique_ptr<LookupRunner>> runner =
//       LookupRunner::Create(routing, learner, client, {});
//   (*runner)->Start(key, kademlia::LookupKind::kFindValue,
//                    [](kademlia::LookupResult r) {
//                      if (r.value) ...;       // verified by the client
//                    });
//
// Each lookup is seeded with routing.Closest(target, k) (or given seeds).
// Responders are learned through the ContactLearner (with ping-before-
// evict); a failed query (error, timeout, malformed or tampered answer) is
// reported with Routing::MarkFailed and Lookup::OnFailure, so the lookup
// goes on without that peer. FIND_VALUE values reach the lookup only after
// the PeerClient has checked SHA-256(value) == key.
//
// Threading: thread-safe; any number of lookups may run at once. Each
// lookup's state lives on the heap, owned by the completions of its RPCs
// (std::shared_ptr), and is serialised by its own mutex; NextQueries is
// taken under that mutex and the RPCs are sent after releasing it. `done`
// is called exactly once per lookup, with no lock held, on a PeerClient
// completion thread or inline in Start (no seeds, or a client that completes
// inline). A lookup does not need the runner to stay alive, but `routing`,
// `learner` and `client` must outlive its RPCs (destroy the GrpcPeerClient,
// which waits for its calls, before them).
#ifndef DATAMGMT_SERVICES_DHT_LOOKUP_RUNNER_H_
#define DATAMGMT_SERVICES_DHT_LOOKUP_RUNNER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/lookup.h"
#include "common/kademlia/node_id.h"
#include "services/dht/contact_learner.h"
#include "services/dht/peer_client.h"
#include "services/dht/routing.h"

namespace datamgmt::dht {

struct LookupRunnerOptions {
  // k and alpha of every lookup. Default: k = 20, alpha = 3.
  kademlia::LookupOptions lookup{};
  // Deadline of each FindNode/FindValue query; zero means the PeerClient's
  // default (GrpcPeerClient: 2 s). Must not be negative.
  absl::Duration query_timeout = absl::ZeroDuration();

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class LookupRunner {
 public:
  using Done = absl::AnyInvocable<void(kademlia::LookupResult)>;

  // Returns InvalidArgument if `options` fail Validate().
  static absl::StatusOr<std::unique_ptr<LookupRunner>> Create(
      Routing& routing, ContactLearner& learner, PeerClient& client,
      LookupRunnerOptions options);

  // Starts a lookup of `kind` for `target`, seeded with the routing table's
  // 2k contacts closest to it (k in the window, the rest standing by for
  // contacts that fail).
  void Start(const kademlia::NodeId& target, kademlia::LookupKind kind,
             Done done);

  // The same, from explicit `seeds` (e.g. bootstrap contacts).
  void StartFrom(const kademlia::NodeId& target, kademlia::LookupKind kind,
                 absl::Span<const kademlia::Contact> seeds, Done done);

  // Starts a lookup and blocks until it is done. For tests and tools; never
  // call it on a PeerClient completion thread.
  kademlia::LookupResult Run(const kademlia::NodeId& target,
                             kademlia::LookupKind kind);

  const LookupRunnerOptions& options() const { return options_; }

 private:
  struct State;

  LookupRunner(Routing& routing, ContactLearner& learner, PeerClient& client,
               LookupRunnerOptions options);

  // Hands out the next queries, or finishes the lookup.
  static void Pump(const std::shared_ptr<State>& state);
  static void Query(const std::shared_ptr<State>& state,
                    const kademlia::Contact& peer);
  // Feeds one outcome back, then pumps.
  static void OnReply(const std::shared_ptr<State>& state,
                      const kademlia::Contact& peer, const absl::Status& status,
                      std::optional<kademlia::Contact> responder,
                      std::optional<std::string> value,
                      std::vector<kademlia::Contact> contacts);

  Routing& routing_;
  ContactLearner& learner_;
  PeerClient& client_;
  const LookupRunnerOptions options_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_LOOKUP_RUNNER_H_
