#include "services/dht/contact_learner.h"

#include <optional>

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;

absl::Status ContactLearner::Learn(const Contact& contact) {
  // Before learning it: once learned, the contact is known and the check
  // would not run for its next messages either.
  const std::optional<Contact> listed = routing_.OtherContactAt(contact);
  absl::StatusOr<std::optional<Contact>> candidate = routing_.Learn(contact);
  if (!candidate.ok()) return candidate.status();
  if (listed.has_value()) CheckAddress(*listed);
  if (!candidate->has_value()) return absl::OkStatus();
  const Contact lrs = **candidate;
  Routing* routing = &routing_;
  client_.Ping(lrs.address, CallOptions{},
               [routing, lrs](absl::StatusOr<PingReply> reply) {
                 routing->OnPingResult(
                     lrs.id, reply.ok() && reply->responder.id == lrs.id);
               });
  return absl::OkStatus();
}

void ContactLearner::CheckAddress(const Contact& listed) {
  {
    absl::MutexLock lock(&mu_);
    if (!checking_.insert(listed.id).second) return;
  }
  client_.Ping(listed.address, CallOptions{},
               [this, listed](absl::StatusOr<PingReply> reply) {
                 if (reply.ok() && reply->responder.id != listed.id) {
                   OnMoved(listed.id, reply->responder);
                 }
                 absl::MutexLock lock(&mu_);
                 checking_.erase(listed.id);
               });
}

void ContactLearner::OnMoved(const NodeId& expected, const Contact& responder) {
  if (routing_.Remove(expected)) {
    absl::MutexLock lock(&mu_);
    ++moved_removed_;
  }
  Learn(responder).IgnoreError();
}

uint64_t ContactLearner::moved_removed() const {
  absl::MutexLock lock(&mu_);
  return moved_removed_;
}

}  // namespace datamgmt::dht
