// DhtNode's identity rotation (see RotateIdentity in dht_node.h).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/dht/dht_node.h"
#include "services/dht/node_identity.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {
namespace {

// Binding the P2P port again right after closing it: tries a few times in
// case the port is not free at once.
constexpr int kRebindAttempts = 20;
constexpr absl::Duration kRebindPause = absl::Milliseconds(50);

}  // namespace

void DhtNode::RotateIdentity(RotateDone done) {
  absl::MutexLock lock(&rotation_mu_);
  if (rotation_closed_) {
    done(absl::UnavailableError("dht-service is shutting down"));
    return;
  }
  if (rotating_) {
    done(absl::FailedPreconditionError(
        "an identity rotation is already in progress"));
    return;
  }
  rotating_ = true;
  // The previous rotation's thread has finished its work (rotating_ was
  // false); join it before reusing the member.
  if (rotation_thread_.joinable()) rotation_thread_.join();
  rotation_thread_ = std::thread([this, done = std::move(done)]() mutable {
    absl::StatusOr<RotationResult> result = Rotate();
    {
      absl::MutexLock lock(&rotation_mu_);
      rotating_ = false;
    }
    done(std::move(result));
  });
}

absl::StatusOr<RotationResult> DhtNode::RotateIdentityNow() {
  absl::Notification finished;
  absl::StatusOr<RotationResult> out = absl::UnknownError("not completed");
  RotateIdentity([&](absl::StatusOr<RotationResult> result) {
    out = std::move(result);
    finished.Notify();
  });
  finished.WaitForNotification();
  return out;
}

absl::Status DhtNode::SwitchIdentity(const crypto::NodeKey& next) {
  absl::StatusOr<TlsIdentity> identity = IdentityOf(next);
  if (!identity.ok()) return identity.status();
  const kademlia::NodeId id = NodeIdOf(next);
  absl::MutexLock lock(&identity_mu_);
  if (absl::Status s = ReplaceNodeKey(options_.data_dir, *key_, next);
      !s.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot store the new node key: ", s.message()));
  }
  key_ = next;
  // Closing the P2P server closes every connection peers hold to it, so
  // their next call handshakes again and sees the new certificate. Calls
  // in flight finish (up to the shutdown grace) under the old identity.
  p2p_server_->Shutdown();
  p2p_server_.reset();
  self_->SetId(id);
  routing_->Rekey(id);
  if (!insecure_) channels_->SetCredentials(PeerChannelCredentials(*identity));
  // The port actually bound (the option may say 0).
  const std::string& configured = options_.p2p_listen_address;
  const std::string listen = absl::StrCat(
      configured.substr(0, configured.rfind(':') + 1), p2p_port_);
  absl::Status bound = absl::OkStatus();
  for (int attempt = 0; attempt < kRebindAttempts; ++attempt) {
    absl::StatusOr<std::unique_ptr<GrpcServer>> server =
        StartP2pServer(listen, *identity);
    if (server.ok()) {
      p2p_server_ = *std::move(server);
      p2p_server_->SetServing(true);
      return absl::OkStatus();
    }
    bound = server.status();
    absl::SleepFor(kRebindPause);
  }
  return absl::InternalError(absl::StrCat(
      "identity switched to ", id.ToHex(),
      " but the P2P port cannot be bound again: ", bound.message()));
}

absl::StatusOr<RotationResult> DhtNode::Rotate() {
  absl::StatusOr<crypto::NodeKey> next = crypto::NodeKey::Generate();
  if (!next.ok()) return next.status();
  RotationResult result{.old_id = id(), .new_id = NodeIdOf(*next)};
  // Everyone this node knew, told below (they still list the old ID).
  const std::vector<kademlia::Contact> known = routing_->Contacts();
  spdlog::info("rotating identity: node {} becomes {}", result.old_id.ToHex(),
               result.new_id.ToHex());
  if (absl::Status s = SwitchIdentity(*next); !s.ok()) {
    spdlog::error("identity rotation failed: {}", s.ToString());
    return s;
  }
  spdlog::info("node {} now runs as {} (key {}/{}, the old one in {})",
               result.old_id.ToHex(), result.new_id.ToHex(), options_.data_dir,
               kNodeKeyFileName, kPreviousNodeKeyFileName);

  // Each contact pinged learns the new ID as a sender, finds the old ID
  // listed at this address and dials it to check (ContactLearner), which
  // drops the old ID; the answers refill this node's table.
  struct Pending {
    absl::Mutex mu;
    size_t left ABSL_GUARDED_BY(mu);
  };
  auto pending = std::make_shared<Pending>();
  {
    absl::MutexLock lock(&pending->mu);
    pending->left = known.size();
  }
  for (const kademlia::Contact& contact : known) {
    client_->Ping(contact.address, {},
                  [this, pending](absl::StatusOr<PingReply> reply) {
                    if (reply.ok()) {
                      learner_->Learn(reply->responder).IgnoreError();
                    }
                    absl::MutexLock lock(&pending->mu);
                    --pending->left;
                  });
  }
  {
    absl::MutexLock lock(&pending->mu);
    pending->mu.Await(absl::Condition(
        +[](size_t* n) { return *n == 0; }, &pending->left));
  }
  runner_->Run(result.new_id, kademlia::LookupKind::kFindNode);
  result.handover = HandOverValues(*store_, *data_,
                                   options_.handover_concurrency,
                                   stop_handover_);
  spdlog::info(
      "identity rotation done: node {} (was {}); {} of {} values handed over "
      "({} replicas stored)",
      result.new_id.ToHex(), result.old_id.ToHex(),
      result.handover.handed_over, result.handover.values,
      result.handover.replicas_stored);
  return result;
}

}  // namespace datamgmt::dht
