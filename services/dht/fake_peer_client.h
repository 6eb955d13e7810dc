// An in-memory PeerClient for unit tests: a set of scripted fake peers, each
// a contact with a list of contacts it knows and values it holds, answering
// as a verified GrpcPeerClient would report them.
//
//   FakePeerClient client(self_id);
//   client.AddPeer(a, /*known=*/{b, c});
//   client.AddValue(c.id, "bytes");           // c holds it
//   client.SetTampering(b.id);                // b's FindValue: DATA_LOSS
//   client.SetFailure(d.id, absl::UnavailableError("down"));
//   client.SetHeld(e.id);                     // e's calls wait for Release
//
// FindNode/FindValue answer with the peer's k known contacts closest to the
// target (never the caller); Ping answers by address; Store keeps the value
// at the peer. Unknown addresses are UNAVAILABLE.
//
// Completions run inline by default, or on the fake's own worker threads
// with `Options::threads > 0` (to exercise concurrency). Held calls complete
// when ReleaseHeld is called. The destructor completes every held call with
// CANCELLED and joins the workers. Thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_FAKE_PEER_CLIENT_H_
#define DATAMGMT_SERVICES_DHT_FAKE_PEER_CLIENT_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/protocol_constants.h"
#include "services/dht/peer_client.h"

namespace datamgmt::dht {

class FakePeerClient final : public PeerClient {
 public:
  struct Options {
    // Worker threads that run completions; 0 runs them inline. Default: 0.
    int threads = 0;
    // Contacts per FindNode/FindValue answer. Default: 20.
    size_t k = kademlia::kDefaultK;
  };

  explicit FakePeerClient(kademlia::NodeId self) : FakePeerClient(self, {}) {}
  FakePeerClient(kademlia::NodeId self, Options options);
  ~FakePeerClient() override;

  // Adds (or replaces) a peer reachable at contact.address.
  void AddPeer(const kademlia::Contact& contact,
               std::vector<kademlia::Contact> known = {});
  // The peer holds `value` under SHA-256(value).
  void AddValue(const kademlia::NodeId& peer, const std::string& value);
  // Every call to the peer fails with `status`.
  void SetFailure(const kademlia::NodeId& peer, absl::Status status);
  // The peer's FindValue answers fail verification (DATA_LOSS).
  void SetTampering(const kademlia::NodeId& peer);
  // Calls to the peer wait until ReleaseHeld.
  void SetHeld(const kademlia::NodeId& peer);
  // Completes every held call with `status` (and stops holding).
  void ReleaseHeld(const absl::Status& status);

  // Calls made so far to the peer (any method).
  int calls(const kademlia::NodeId& peer) const;
  // Calls currently held.
  size_t held() const;
  // Values Store-d at the peer (and added with AddValue).
  std::vector<std::string> values(const kademlia::NodeId& peer) const;

  void Ping(absl::string_view address, const CallOptions& options,
            PeerCallback<PingReply> done) override;
  void FindNode(const kademlia::Contact& peer, const kademlia::NodeId& target,
                const CallOptions& options,
                PeerCallback<FindNodeReply> done) override;
  void FindValue(const kademlia::Contact& peer, const kademlia::NodeId& key,
                 const CallOptions& options,
                 PeerCallback<FindValueReply> done) override;
  void Store(const kademlia::Contact& peer, const kademlia::NodeId& key,
             absl::string_view value, const CallOptions& options,
             PeerCallback<StoreReply> done) override;
  void GetPeers(absl::string_view address, uint32_t max_peers,
                const CallOptions& options,
                PeerCallback<GetPeersReply> done) override;
  void SharePeers(absl::string_view address, std::vector<PeerEntry> peers,
                  const CallOptions& options,
                  PeerCallback<SharePeersReply> done) override;

 private:
  struct Peer {
    kademlia::Contact contact;
    std::vector<kademlia::Contact> known;
    absl::flat_hash_map<kademlia::NodeId, std::string> values;
    std::optional<absl::Status> failure;
    bool tampering = false;
    bool held = false;
    int calls = 0;
  };
  using Task = absl::AnyInvocable<void(const absl::Status& release)>;

  // Finds the peer at `address` (checking `expected` if set), counts the
  // call, and returns it, or the error to complete the call with.
  absl::StatusOr<Peer*> Reach(absl::string_view address,
                              const std::optional<kademlia::NodeId>& expected)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<kademlia::Contact> ClosestKnown(
      const Peer& peer, const kademlia::NodeId& target) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Computes a reply under the lock with `make_reply(peer)` (or the error
  // Reach returns) and delivers it.
  template <typename Reply, typename MakeReply>
  void Answer(absl::string_view address,
              const std::optional<kademlia::NodeId>& expected,
              MakeReply make_reply, PeerCallback<Reply> done)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Runs `task(OkStatus())` now (inline or on a worker), or parks it if the
  // peer is held.
  void Deliver(bool held, Task task) ABSL_LOCKS_EXCLUDED(mu_);
  void WorkerLoop();

  const kademlia::NodeId self_;
  const Options options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Peer> peers_ ABSL_GUARDED_BY(mu_);
  std::vector<Task> held_ ABSL_GUARDED_BY(mu_);
  std::deque<absl::AnyInvocable<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_FAKE_PEER_CLIENT_H_
