#include "services/dht/fake_peer_client.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/sha256.h"
#include "common/net/peer_address.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;

namespace {

NodeId KeyOf(absl::string_view value) { return NodeId(crypto::Sha256(value)); }

// Wraps a reply computed under the lock into a task that completes `done`
// with it, or with the release status of a held call.
template <typename Reply>
absl::AnyInvocable<void(const absl::Status&)> Completion(
    absl::StatusOr<Reply> reply, PeerCallback<Reply> done) {
  return [reply = std::move(reply),
          done = std::move(done)](const absl::Status& release) mutable {
    if (release.ok()) {
      done(std::move(reply));
    } else {
      done(release);
    }
  };
}

}  // namespace

FakePeerClient::FakePeerClient(NodeId self, Options options)
    : self_(self), options_(options) {
  for (int i = 0; i < options_.threads; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

FakePeerClient::~FakePeerClient() {
  ReleaseHeld(absl::CancelledError("fake peer client destroyed"));
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& worker : workers_) worker.join();
}

void FakePeerClient::WorkerLoop() {
  while (true) {
    absl::AnyInvocable<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](FakePeerClient* c) ABSL_NO_THREAD_SAFETY_ANALYSIS {
            return c->stopping_ || !c->queue_.empty();
          },
          this));
      if (queue_.empty()) return;  // stopping, and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void FakePeerClient::AddPeer(const Contact& contact,
                             std::vector<Contact> known) {
  absl::MutexLock lock(&mu_);
  Peer& peer = peers_[contact.address];
  peer.contact = contact;
  peer.known = std::move(known);
}

namespace {
template <typename Map>
auto* FindById(Map& peers, const NodeId& id) {
  for (auto& [address, peer] : peers) {
    if (peer.contact.id == id) return &peer;
  }
  return static_cast<typename Map::mapped_type*>(nullptr);
}
}  // namespace

void FakePeerClient::AddValue(const NodeId& peer, const std::string& value) {
  absl::MutexLock lock(&mu_);
  if (Peer* p = FindById(peers_, peer)) p->values[KeyOf(value)] = value;
}

void FakePeerClient::SetFailure(const NodeId& peer, absl::Status status) {
  absl::MutexLock lock(&mu_);
  if (Peer* p = FindById(peers_, peer)) p->failure = std::move(status);
}

void FakePeerClient::SetTampering(const NodeId& peer) {
  absl::MutexLock lock(&mu_);
  if (Peer* p = FindById(peers_, peer)) p->tampering = true;
}

void FakePeerClient::SetHeld(const NodeId& peer) {
  absl::MutexLock lock(&mu_);
  if (Peer* p = FindById(peers_, peer)) p->held = true;
}

void FakePeerClient::ReleaseHeld(const absl::Status& status) {
  std::vector<Task> held;
  {
    absl::MutexLock lock(&mu_);
    held.swap(held_);
    for (auto& [address, peer] : peers_) peer.held = false;
  }
  for (Task& task : held) task(status);
}

int FakePeerClient::calls(const NodeId& peer) const {
  absl::MutexLock lock(&mu_);
  for (const auto& [address, p] : peers_) {
    if (p.contact.id == peer) return p.calls;
  }
  return 0;
}

size_t FakePeerClient::held() const {
  absl::MutexLock lock(&mu_);
  return held_.size();
}

std::vector<std::string> FakePeerClient::values(const NodeId& peer) const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const auto& [address, p] : peers_) {
    if (p.contact.id != peer) continue;
    for (const auto& [key, value] : p.values) out.push_back(value);
  }
  return out;
}

absl::StatusOr<FakePeerClient::Peer*> FakePeerClient::Reach(
    absl::string_view address, const std::optional<NodeId>& expected) {
  if (absl::Status s = net::ValidatePeerAddress(address); !s.ok()) return s;
  auto it = peers_.find(address);
  if (it == peers_.end()) {
    return absl::UnavailableError(absl::StrCat("no fake peer at ", address));
  }
  Peer& peer = it->second;
  ++peer.calls;
  if (peer.failure.has_value()) return *peer.failure;
  if (peer.contact.id == self_) {
    return DialledSelfError(address);
  }
  if (expected.has_value() && peer.contact.id != *expected) {
    return absl::FailedPreconditionError("another node answered");
  }
  return &peer;
}

std::vector<Contact> FakePeerClient::ClosestKnown(const Peer& peer,
                                                  const NodeId& target) const {
  std::vector<Contact> out;
  for (const Contact& c : peer.known) {
    if (c.id != self_ && c.id != peer.contact.id) out.push_back(c);
  }
  std::sort(out.begin(), out.end(), [&](const Contact& a, const Contact& b) {
    return kademlia::CloserTo(target, a.id, b.id);
  });
  if (out.size() > options_.k) out.resize(options_.k);
  return out;
}

void FakePeerClient::Deliver(bool held, Task task) {
  if (held || options_.threads > 0) {
    absl::MutexLock lock(&mu_);
    if (held) {
      held_.push_back(std::move(task));
    } else {
      queue_.push_back(
          [task = std::move(task)]() mutable { task(absl::OkStatus()); });
    }
    return;
  }
  task(absl::OkStatus());
}

template <typename Reply, typename MakeReply>
void FakePeerClient::Answer(absl::string_view address,
                            const std::optional<NodeId>& expected,
                            MakeReply make_reply, PeerCallback<Reply> done) {
  absl::StatusOr<Reply> reply;
  bool held = false;
  {
    absl::MutexLock lock(&mu_);
    absl::StatusOr<Peer*> peer = Reach(address, expected);
    if (peer.ok()) {
      held = (*peer)->held;
      reply = make_reply(**peer);
    } else {
      reply = peer.status();
    }
  }
  Deliver(held, Completion(std::move(reply), std::move(done)));
}

void FakePeerClient::Ping(absl::string_view address, const CallOptions&,
                          PeerCallback<PingReply> done) {
  Answer<PingReply>(
      address, std::nullopt,
      [](Peer& p) -> absl::StatusOr<PingReply> {
        return PingReply{.responder = p.contact};
      },
      std::move(done));
}

void FakePeerClient::FindNode(const Contact& peer, const NodeId& target,
                              const CallOptions&,
                              PeerCallback<FindNodeReply> done) {
  Answer<FindNodeReply>(
      peer.address, peer.id,
      // Runs in Answer, under mu_.
      [&](Peer& p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_)
          -> absl::StatusOr<FindNodeReply> {
        return FindNodeReply{.responder = p.contact,
                             .contacts = ClosestKnown(p, target)};
      },
      std::move(done));
}

void FakePeerClient::FindValue(const Contact& peer, const NodeId& key,
                               const CallOptions&,
                               PeerCallback<FindValueReply> done) {
  Answer<FindValueReply>(
      peer.address, peer.id,
      // Runs in Answer, under mu_.
      [&](Peer& p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_)
          -> absl::StatusOr<FindValueReply> {
        if (p.tampering) return absl::DataLossError("tampered value (fake)");
        FindValueReply reply{.responder = p.contact};
        auto it = p.values.find(key);
        if (it != p.values.end()) {
          reply.value = it->second;
        } else {
          reply.closer = ClosestKnown(p, key);
        }
        return reply;
      },
      std::move(done));
}

void FakePeerClient::Store(const Contact& peer, const NodeId& key,
                           absl::string_view value, const CallOptions&,
                           PeerCallback<StoreReply> done) {
  Answer<StoreReply>(
      peer.address, peer.id,
      [&](Peer& p) -> absl::StatusOr<StoreReply> {
        if (KeyOf(value) != key) {
          return absl::InvalidArgumentError("key does not match value");
        }
        p.values[key] = std::string(value);
        return StoreReply{.responder = p.contact};
      },
      std::move(done));
}

void FakePeerClient::GetPeers(absl::string_view address, uint32_t max_peers,
                              const CallOptions&,
                              PeerCallback<GetPeersReply> done) {
  Answer<GetPeersReply>(
      address, std::nullopt,
      [&](Peer& p) -> absl::StatusOr<GetPeersReply> {
        GetPeersReply reply{.responder = p.contact};
        for (const Contact& c : p.known) {
          if (max_peers != 0 && reply.peers.size() >= max_peers) break;
          absl::StatusOr<net::PeerAddress> hp =
              net::ParsePeerAddress(c.address);
          if (hp.ok()) {
            reply.peers.push_back(
                PeerEntry{.host = hp->host, .port = hp->port, .node_id = c.id});
          }
        }
        return reply;
      },
      std::move(done));
}

void FakePeerClient::SharePeers(absl::string_view address,
                                std::vector<PeerEntry> peers,
                                const CallOptions&,
                                PeerCallback<SharePeersReply> done) {
  Answer<SharePeersReply>(
      address, std::nullopt,
      [&](Peer& p) -> absl::StatusOr<SharePeersReply> {
        return SharePeersReply{.responder = p.contact,
                               .added = static_cast<uint32_t>(peers.size())};
      },
      std::move(done));
}

}  // namespace datamgmt::dht
