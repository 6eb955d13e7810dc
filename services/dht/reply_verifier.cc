#include "services/dht/reply_verifier.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/crypto/sha256.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;

absl::StatusOr<Contact> VerifyResponder(const p2p::v1::Contact& proto,
                                        const VerifyContext& ctx) {
  absl::StatusOr<Contact> responder = ContactFromProto(proto, "responder");
  if (!responder.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed answer from ", ctx.address, ": ",
                     responder.status().message()));
  }
  if (responder->id == ctx.self) {
    return DialledSelfError(ctx.address);
  }
  if (ctx.expected.has_value() && responder->id != *ctx.expected) {
    return absl::FailedPreconditionError(absl::StrCat(
        ctx.address, " answered as node ", responder->id.ShortHex(),
        ", not as the contact dialled (", ctx.expected->ShortHex(), ")"));
  }
  return responder;
}

absl::StatusOr<PingReply> VerifyPing(const p2p::v1::PingResponse& response,
                                     const VerifyContext& ctx) {
  absl::StatusOr<Contact> responder =
      VerifyResponder(response.responder(), ctx);
  if (!responder.ok()) return responder.status();
  return PingReply{.responder = *std::move(responder)};
}

absl::StatusOr<FindNodeReply> VerifyFindNode(
    const p2p::v1::FindNodeResponse& response, const VerifyContext& ctx) {
  absl::StatusOr<Contact> responder =
      VerifyResponder(response.responder(), ctx);
  if (!responder.ok()) return responder.status();
  return FindNodeReply{
      .responder = *std::move(responder),
      .contacts = ContactsFromProto(response.contacts(), ctx.max_contacts)};
}

absl::StatusOr<FindValueReply> VerifyFindValue(
    const p2p::v1::FindValueResponse& response, const NodeId& key,
    const VerifyContext& ctx) {
  absl::StatusOr<Contact> responder =
      VerifyResponder(response.responder(), ctx);
  if (!responder.ok()) return responder.status();
  FindValueReply reply{.responder = *std::move(responder)};
  if (response.result_case() != p2p::v1::FindValueResponse::kValue) {
    // `closer`, or (leniently) neither: no contacts.
    reply.closer =
        ContactsFromProto(response.closer().contacts(), ctx.max_contacts);
    return reply;
  }
  const std::string& value = response.value();
  if (value.empty() || value.size() > ctx.max_value_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed answer from ", ctx.address, ": a value of ", value.size(),
        " bytes (allowed: 1..", ctx.max_value_bytes, ")"));
  }
  if (NodeId(crypto::Sha256(value)) != key) {
    spdlog::warn(
        "rejected FindValue answer from {} (node {}): its {}-byte value does "
        "not hash to key {}",
        std::string(ctx.address), reply.responder.id.ShortHex(), value.size(),
        key.ToHex());
    return absl::DataLossError(absl::StrCat(ctx.address, " answered FindValue ",
                                            key.ShortHex(),
                                            " with bytes of another hash"));
  }
  reply.value = value;
  return reply;
}

absl::StatusOr<StoreReply> VerifyStore(const p2p::v1::StoreResponse& response,
                                       const VerifyContext& ctx) {
  absl::StatusOr<Contact> responder =
      VerifyResponder(response.responder(), ctx);
  if (!responder.ok()) return responder.status();
  return StoreReply{.responder = *std::move(responder)};
}

absl::StatusOr<GetPeersReply> VerifyGetPeers(
    const p2p::v1::GetPeersResponse& response, size_t max_peers,
    const VerifyContext& ctx) {
  absl::StatusOr<Contact> responder =
      VerifyResponder(response.responder(), ctx);
  if (!responder.ok()) return responder.status();
  GetPeersReply reply{.responder = *std::move(responder)};
  const size_t n = std::min<size_t>(max_peers, response.peers_size());
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<PeerEntry> entry = PeerEntryFromProto(response.peers(i));
    if (entry.ok()) reply.peers.push_back(*std::move(entry));
  }
  return reply;
}

absl::StatusOr<SharePeersReply> VerifySharePeers(
    const p2p::v1::SharePeersResponse& response, const VerifyContext& ctx) {
  absl::StatusOr<Contact> responder =
      VerifyResponder(response.responder(), ctx);
  if (!responder.ok()) return responder.status();
  return SharePeersReply{.responder = *std::move(responder),
                         .added = response.added(),
                         .ignored = response.ignored()};
}

}  // namespace datamgmt::dht
