// Checks of P2P answers before anyone in dht-service sees them: what
// GrpcPeerClient applies to every OK response (see peer_client.h for the
// contract). Separate from the transport so the rules are testable alone.
//
//   VerifyContext ctx{.address = "10.0.0.7:8000", .self = self_id,
//                     .expected = peer.id};
//   absl::StatusOr<FindValueReply> r = VerifyFindValue(response, key, ctx);
//
// Rules:
//  * responder: node_id 32 bytes and a valid address, else INVALID_ARGUMENT
//    ("malformed answer"); this node itself, or (for calls addressed to a
//    contact) another ID than `expected`, FAILED_PRECONDITION.
//  * contacts: the first `max_contacts` entries, malformed ones dropped.
//  * FindValue value: 1..max_value_bytes bytes (else INVALID_ARGUMENT) and
//    SHA-256(value) == key, else DATA_LOSS, logged at warn.
//  * peer entries: the first `max_peers`, malformed ones dropped.
//
// Pure functions apart from the warn log; thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_REPLY_VERIFIER_H_
#define DATAMGMT_SERVICES_DHT_REPLY_VERIFIER_H_

#include <cstddef>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/kademlia/protocol_constants.h"
#include "datamgmt/p2p/v1/p2p.pb.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/peer_client.h"

namespace datamgmt::dht {

struct VerifyContext {
  // The address dialled (for messages).
  absl::string_view address{};
  // This node's ID: an answer from it means we dialled ourselves.
  kademlia::NodeId self{};
  // For calls addressed to a contact: the ID that must answer.
  std::optional<kademlia::NodeId> expected{};
  // Contacts kept from one answer (k). Default: 20.
  size_t max_contacts = kademlia::kDefaultK;
  // Largest acceptable value. Default: 1 MiB.
  size_t max_value_bytes = kMaxValueBytes;
};

absl::StatusOr<kademlia::Contact> VerifyResponder(
    const p2p::v1::Contact& responder, const VerifyContext& ctx);

absl::StatusOr<PingReply> VerifyPing(const p2p::v1::PingResponse& response,
                                     const VerifyContext& ctx);

absl::StatusOr<FindNodeReply> VerifyFindNode(
    const p2p::v1::FindNodeResponse& response, const VerifyContext& ctx);

absl::StatusOr<FindValueReply> VerifyFindValue(
    const p2p::v1::FindValueResponse& response, const kademlia::NodeId& key,
    const VerifyContext& ctx);

absl::StatusOr<StoreReply> VerifyStore(const p2p::v1::StoreResponse& response,
                                       const VerifyContext& ctx);

// `max_peers` is the number asked for (already clamped to 1..100).
absl::StatusOr<GetPeersReply> VerifyGetPeers(
    const p2p::v1::GetPeersResponse& response, size_t max_peers,
    const VerifyContext& ctx);

absl::StatusOr<SharePeersReply> VerifySharePeers(
    const p2p::v1::SharePeersResponse& response, const VerifyContext& ctx);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_REPLY_VERIFIER_H_
