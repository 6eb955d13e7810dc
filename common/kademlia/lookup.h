// The iterative Kademlia lookup (FIND_NODE / FIND_VALUE) as a pure state
// machine: it decides which contacts to query and when the lookup is over;
// the caller (a service, or the in-memory simulator) sends the RPCs and feeds
// the outcomes back. It does no I/O, reads no clock and holds no timers.
//
//   absl::StatusOr<Lookup> lookup = Lookup::Create(
//       self, target, LookupKind::kFindNode,
//       table.Closest(target, options.k), options);
//   while (!lookup->done()) {
//     for (const Contact& c : lookup->NextQueries()) SendFindNode(c);
//     ... as each reply arrives: lookup->OnNodes(c.id, reply_contacts);
//     ... on an error or deadline:  lookup->OnFailure(c.id);
//   }
//   LookupResult result = lookup->result();
//
// Termination (Kademlia, asynchronous form). The lookup keeps every contact
// it has heard of, ordered by XOR distance to the target. Its *window* is the
// k closest of them that have not failed. NextQueries() hands out the
// closest not-yet-queried contacts in the window, keeping at most alpha
// queries in flight. The lookup is done when
//   * a FIND_VALUE lookup receives the value (OnValue), or
//   * every contact in the window has answered (it is queried, responded,
//     and nothing in it is unqueried or still awaited) -- which includes the
//     window being empty: no seeds, or every contact failed, or
//   * it has sent `max_queries` queries and every outcome is in (a hard
//     cap; see LookupOptions).
// The paper's stall rule: when alpha consecutive outcomes (responses or
// failures) bring no contact closer than the closest already seen, the
// alpha limit is lifted and NextQueries() returns every unqueried contact in
// the window at once; a response that brings a closer contact restores it.
//
// Hops. A seed is at hop 1; a contact first learned from the response of a
// hop-h contact is at hop h+1 (if several responses name it before it
// answers, the smallest such depth counts). LookupStats::hops is the hop of the
// contact that answered: the one that returned the value, otherwise the nearest
// contact in the result. LookupStats::max_hop is the largest hop of any contact
// that responded.
//
// Defence against bogus input: outcomes for a contact that was not queried,
// or whose outcome is already known, are ignored; so are duplicate contacts
// within a response, contacts already known, the caller itself, the
// responder naming itself, and contacts beyond the k closest in a response.
// Once done, the lookup is frozen: every On*() call is ignored.
//
// Thread-compatible: a Lookup is single-threaded; callers serialise access.
#ifndef DATAMGMT_COMMON_KADEMLIA_LOOKUP_H_
#define DATAMGMT_COMMON_KADEMLIA_LOOKUP_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/protocol_constants.h"

namespace datamgmt::kademlia {

enum class LookupKind {
  // Find the k closest live nodes to the target.
  kFindNode,
  // Find a value stored under the target key; stops at the first holder.
  kFindValue,
};

struct LookupOptions {
  // How many closest nodes the lookup must find (Kademlia's k).
  // Default: kDefaultK (20).
  int k = kDefaultK;
  // Queries kept in flight at once (Kademlia's alpha).
  // Default: kDefaultAlpha (3).
  int alpha = kDefaultAlpha;
  // Most queries one lookup sends. Once it has sent this many it sends no
  // more and is done when their outcomes are in, with what it found. A
  // hard cap against peers that keep answering with ever closer made-up
  // contacts (the lookup would never end, and it keeps every contact it
  // hears of). Honest lookups need a few dozen: the k closest plus the
  // hops to reach them. Must be at least 1. Default: 400 (20 × k).
  int max_queries = 400;

  // Returns InvalidArgument unless k >= 1, alpha >= 1 and
  // max_queries >= 1.
  absl::Status Validate() const;
};

struct LookupStats {
  // Queries handed out by NextQueries().
  int queried = 0;
  // Queries answered by OnNodes() or OnValue().
  int responded = 0;
  // Queries that ended in OnFailure().
  int failed = 0;
  // Queries reported stalled by OnStalled() (they may still answer).
  int stalled = 0;
  // Hop of the contact that answered: the value's holder, else the nearest
  // contact in the result; 0 if there is none. See the header comment.
  int hops = 0;
  // Largest hop among contacts that responded; 0 if none did.
  int max_hop = 0;
};

struct LookupResult {
  // The k closest contacts that responded, nearest to the target first.
  // For a FIND_VALUE lookup that found the value, those seen so far.
  std::vector<Contact> closest;
  // FIND_VALUE only: the value, as passed to OnValue().
  std::optional<std::string> value;
  // FIND_VALUE only: the contact that returned the value.
  std::optional<Contact> value_holder;
  // FIND_VALUE only, when the value was found: the closest contact that
  // responded without the value, where Kademlia caches the value. Empty if
  // no contact responded without it.
  std::optional<Contact> cache_candidate;
  LookupStats stats;
};

class Lookup {
 public:
  // Starts a lookup by `self` for `target`, beginning from `seeds`
  // (typically the routing table's Closest(target, k)). Seeds equal to
  // `self` and duplicate seeds are dropped. With no usable seed the lookup
  // is done at once with an empty result. Returns InvalidArgument if
  // `options` fail Validate().
  static absl::StatusOr<Lookup> Create(const NodeId& self, const NodeId& target,
                                       LookupKind kind,
                                       absl::Span<const Contact> seeds,
                                       const LookupOptions& options);

  Lookup(Lookup&&) = default;
  Lookup& operator=(Lookup&&) = default;

  // Returns the contacts to query now, nearest first, and marks them in
  // flight; each contact is returned at most once over the lookup. Returns
  // nothing when done, when alpha queries are already in flight, or when
  // the window has no unqueried contact. Call it again after every outcome.
  std::vector<Contact> NextQueries();

  // `from` answered with `contacts` (its closest to the target). Returns
  // true if accepted; false if ignored (see the header comment).
  bool OnNodes(const NodeId& from, absl::Span<const Contact> contacts);

  // `from` returned the value of a FIND_VALUE lookup; the caller has already
  // checked that it hashes to the key. Ends the lookup. Returns false and
  // does nothing for a FIND_NODE lookup or if `from` is not awaited.
  bool OnValue(const NodeId& from, std::string value);

  // The query to `from` failed (error, refused, or its hard deadline
  // passed). `from` leaves the window and never enters the result. Returns
  // false if `from` is not awaited.
  bool OnFailure(const NodeId& from);

  // The query to `from` passed its soft deadline: it no longer counts
  // against alpha, so another contact may be queried, but a later OnNodes,
  // OnValue or OnFailure from it is still accepted (and, while `from` is in
  // the window, still awaited before the lookup is done). Returns false if
  // `from` has no query in flight.
  bool OnStalled(const NodeId& from);

  // True once the value is found or every contact in the window responded.
  bool done() const { return done_; }

  // Queries sent whose outcome is not yet known (in flight or stalled).
  int outstanding() const { return in_flight_ + stalled_; }

  // The result so far; final once done().
  LookupResult result() const;

  const NodeId& target() const { return target_; }
  LookupKind kind() const { return kind_; }

 private:
  enum class State { kUnqueried, kInFlight, kStalled, kResponded, kFailed };
  struct Candidate {
    Contact contact;
    State state = State::kUnqueried;
    int hop = 1;
  };
  // Keyed by distance to the target, so nearest first; XOR distance is
  // unique per ID, so the key also identifies the contact.
  using Candidates = std::map<Distance, Candidate>;

  Lookup(const NodeId& self, const NodeId& target, LookupKind kind,
         const LookupOptions& options);

  // Returns the candidate awaiting an outcome from `from`, or nullptr.
  Candidate* Awaited(const NodeId& from);
  // Moves an awaited candidate to `outcome` (kResponded or kFailed).
  void EndQuery(Candidate& candidate, State outcome);
  // Adds `contact`, at `distance` from the target, at `hop` unless known;
  // lowers the hop of a known one that has not answered yet. Returns true
  // if it is new and closer than every contact seen before.
  bool Learn(const Distance& distance, const Contact& contact, int hop);
  // Records an outcome that brought nothing closer (the stall rule).
  void NoProgress();
  void Progress();
  // Recomputes done_ from the window.
  void UpdateDone();

  NodeId self_;
  NodeId target_;
  LookupKind kind_;
  LookupOptions options_;
  Candidates candidates_;
  int in_flight_ = 0;
  int stalled_ = 0;
  int no_progress_streak_ = 0;
  bool expanded_ = false;
  bool done_ = false;
  LookupStats stats_;
  std::optional<std::string> value_;
  std::optional<Contact> value_holder_;
  int value_hop_ = 0;
};

}  // namespace datamgmt::kademlia

#endif  // DATAMGMT_COMMON_KADEMLIA_LOOKUP_H_
