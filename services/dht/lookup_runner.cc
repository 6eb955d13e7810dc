#include "services/dht/lookup_runner.h"

#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::Lookup;
using kademlia::LookupKind;
using kademlia::LookupResult;
using kademlia::NodeId;

// One lookup in progress, shared by the completions of its RPCs.
struct LookupRunner::State {
  State(Lookup lookup, Done done, Routing& routing, ContactLearner& learner,
        PeerClient& client, absl::Duration timeout)
      : target(lookup.target()),
        kind(lookup.kind()),
        routing(routing),
        learner(learner),
        client(client),
        call_options{.timeout = timeout},
        lookup(std::move(lookup)),
        done(std::move(done)) {}

  const NodeId target;
  const LookupKind kind;
  Routing& routing;
  ContactLearner& learner;
  PeerClient& client;
  const CallOptions call_options;

  absl::Mutex mu;
  Lookup lookup ABSL_GUARDED_BY(mu);
  // Called once; `finished` is set when it is taken.
  Done done ABSL_GUARDED_BY(mu);
  bool finished ABSL_GUARDED_BY(mu) = false;
};

absl::Status LookupRunnerOptions::Validate() const {
  if (absl::Status s = lookup.Validate(); !s.ok()) return s;
  if (query_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("query_timeout must not be negative");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<LookupRunner>> LookupRunner::Create(
    Routing& routing, ContactLearner& learner, PeerClient& client,
    LookupRunnerOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<LookupRunner>(
      new LookupRunner(routing, learner, client, std::move(options)));
}

LookupRunner::LookupRunner(Routing& routing, ContactLearner& learner,
                           PeerClient& client, LookupRunnerOptions options)
    : routing_(routing),
      learner_(learner),
      client_(client),
      options_(std::move(options)) {}

void LookupRunner::Start(const NodeId& target, LookupKind kind, Done done) {
  // 2k seeds: the lookup's window holds the k closest that have not failed,
  // so if the nearest contacts have left (and are not evicted yet) the next
  // ones step in instead of the lookup ending empty.
  const std::vector<Contact> seeds =
      routing_.Closest(target, 2 * static_cast<size_t>(options_.lookup.k));
  StartFrom(target, kind, seeds, std::move(done));
}

void LookupRunner::StartFrom(const NodeId& target, LookupKind kind,
                             absl::Span<const Contact> seeds, Done done) {
  // Options were validated by Create, so Create cannot fail here.
  absl::StatusOr<Lookup> lookup =
      Lookup::Create(routing_.self(), target, kind, seeds, options_.lookup);
  auto state =
      std::make_shared<State>(*std::move(lookup), std::move(done), routing_,
                              learner_, client_, options_.query_timeout);
  Pump(state);
}

LookupResult LookupRunner::Run(const NodeId& target, LookupKind kind) {
  absl::Notification finished;
  LookupResult out;
  Start(target, kind, [&](LookupResult result) {
    out = std::move(result);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

void LookupRunner::Pump(const std::shared_ptr<State>& state) {
  std::vector<Contact> queries;
  Done done;
  LookupResult result;
  {
    absl::MutexLock lock(&state->mu);
    if (state->finished) return;
    if (!state->lookup.done()) queries = state->lookup.NextQueries();
    // Not done, nothing to send and nothing awaited cannot happen with a
    // correct core; finishing then beats hanging forever.
    if (state->lookup.done() ||
        (queries.empty() && state->lookup.outstanding() == 0)) {
      state->finished = true;
      done = std::move(state->done);
      result = state->lookup.result();
    }
  }
  if (done) {
    done(std::move(result));
    return;
  }
  for (const Contact& peer : queries) Query(state, peer);
}

void LookupRunner::Query(const std::shared_ptr<State>& state,
                         const Contact& peer) {
  if (state->kind == LookupKind::kFindNode) {
    state->client.FindNode(peer, state->target, state->call_options,
                           [state, peer](absl::StatusOr<FindNodeReply> reply) {
                             if (!reply.ok()) {
                               OnReply(state, peer, reply.status(),
                                       std::nullopt, std::nullopt, {});
                               return;
                             }
                             OnReply(state, peer, absl::OkStatus(),
                                     std::move(reply->responder), std::nullopt,
                                     std::move(reply->contacts));
                           });
    return;
  }
  state->client.FindValue(
      peer, state->target, state->call_options,
      [state, peer](absl::StatusOr<FindValueReply> reply) {
        if (!reply.ok()) {
          OnReply(state, peer, reply.status(), std::nullopt, std::nullopt, {});
          return;
        }
        OnReply(state, peer, absl::OkStatus(), std::move(reply->responder),
                std::move(reply->value), std::move(reply->closer));
      });
}

void LookupRunner::OnReply(const std::shared_ptr<State>& state,
                           const Contact& peer, const absl::Status& status,
                           std::optional<Contact> responder,
                           std::optional<std::string> value,
                           std::vector<Contact> contacts) {
  // Routing first, outside the lookup's lock (learning may start a ping).
  if (status.ok()) {
    state->learner.Learn(*responder).IgnoreError();  // verified by the client
  } else {
    state->routing.MarkFailed(peer.id);
  }
  {
    absl::MutexLock lock(&state->mu);
    if (!status.ok()) {
      state->lookup.OnFailure(peer.id);
    } else if (value.has_value()) {
      state->lookup.OnValue(peer.id, *std::move(value));
    } else {
      state->lookup.OnNodes(peer.id, contacts);
    }
  }
  Pump(state);
}

}  // namespace datamgmt::dht
