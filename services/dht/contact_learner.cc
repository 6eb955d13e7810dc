#include "services/dht/contact_learner.h"

#include <optional>

namespace datamgmt::dht {

using kademlia::Contact;

absl::Status ContactLearner::Learn(const Contact& contact) {
  absl::StatusOr<std::optional<Contact>> candidate = routing_.Learn(contact);
  if (!candidate.ok()) return candidate.status();
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

}  // namespace datamgmt::dht
