// Fuzz target: what dht-service accepts from the peers it calls. Answers to
// its P2P calls come from arbitrary nodes; GrpcPeerClient runs every OK
// answer through reply_verifier.h before anyone sees it.
//
// Input: byte 0 picks the method (Ping, FindNode, FindValue, Store,
// GetPeers, SharePeers: value % 6); byte 1 picks the context (bit 0: the
// call was addressed to a contact, so the responder's ID must match; bits
// 1-7: max_peers asked for GetPeers); the rest is the response message.
// Each answer is verified as GrpcPeerClient does, with k = 4 and values up
// to 64 bytes, and the FindValue key SHA-256("hello").
//
// Checked besides memory safety and UB: a verified reply holds what
// peer_client.h promises -- a well-formed responder that is not this node
// (and is the contact called, if any); at most k well-formed contacts; a
// value of 1..64 bytes hashing to the key; at most max_peers well-formed
// peer entries. Every contact and peer entry of the answer also survives
// the p2p_convert round trips (proto -> type -> proto -> type, entry ->
// peer-manager hint -> entry) unchanged.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/crypto/sha256.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/net/peer_address.h"
#include "datamgmt/p2p/v1/p2p.pb.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/peer_client.h"
#include "services/dht/reply_verifier.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {
namespace {

namespace p2p = ::datamgmt::p2p::v1;
using kademlia::Contact;
using kademlia::NodeId;

constexpr size_t kK = 4;
constexpr size_t kMaxValueBytes = 64;

NodeId Id(absl::string_view seed) { return NodeId(crypto::Sha256(seed)); }

// This node, and the contact it called.
const NodeId& Self() {
  static const NodeId id = Id("self");
  return id;
}
const NodeId& Called() {
  static const NodeId id = Id("called");
  return id;
}

void CheckContact(const Contact& contact) {
  FUZZ_CHECK(net::ValidatePeerAddress(contact.address).ok())
      << "accepted a contact with address " << contact.address;
  // proto -> Contact -> proto -> Contact is the identity.
  absl::StatusOr<Contact> again =
      ContactFromProto(ContactToProto(contact), "contact");
  FUZZ_CHECK(again.ok() && *again == contact) << "contact round trip";
}

void CheckResponder(const Contact& responder, const VerifyContext& ctx) {
  CheckContact(responder);
  FUZZ_CHECK(responder.id != ctx.self) << "accepted an answer from itself";
  if (ctx.expected.has_value()) {
    FUZZ_CHECK(responder.id == *ctx.expected) << "accepted another node";
  }
}

void CheckContacts(const std::vector<Contact>& contacts) {
  FUZZ_CHECK(contacts.size() <= kK) << contacts.size() << " contacts";
  for (const Contact& c : contacts) CheckContact(c);
}

void CheckPeerEntry(const PeerEntry& entry) {
  FUZZ_CHECK(entry.port >= 1 && entry.port <= 65535) << entry.port;
  FUZZ_CHECK(std::isfinite(entry.last_seen) && entry.last_seen >= 0)
      << entry.last_seen;
  absl::StatusOr<PeerEntry> again = PeerEntryFromProto(PeerEntryToProto(entry));
  FUZZ_CHECK(again.ok() && *again == entry)
      << "peer entry round trip: " << entry.host << " " << entry.port;
  absl::StatusOr<PeerEntry> hinted = PeerEntryFromHint(PeerEntryToHint(entry));
  FUZZ_CHECK(hinted.ok() && *hinted == entry)
      << "hint round trip: " << entry.host << " " << entry.port;
  FUZZ_CHECK(IsAtAddress(entry, PeerEntryToHint(entry).address()));
}

template <typename Response>
bool Parse(absl::string_view bytes, Response& response) {
  return response.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
}

void Run(const uint8_t* data, size_t size) {
  if (size < 2) return;
  const int method = data[0] % 6;
  VerifyContext ctx{.address = "10.0.0.7:8000",
                    .self = Self(),
                    .max_contacts = kK,
                    .max_value_bytes = kMaxValueBytes};
  if (data[1] & 1) ctx.expected = Called();
  const size_t max_peers = std::max<size_t>(1, data[1] >> 1);
  const absl::string_view bytes(reinterpret_cast<const char*>(data + 2),
                                size - 2);
  switch (method) {
    case 0: {
      p2p::PingResponse response;
      if (!Parse(bytes, response)) return;
      absl::StatusOr<PingReply> reply = VerifyPing(response, ctx);
      if (reply.ok()) CheckResponder(reply->responder, ctx);
      return;
    }
    case 1: {
      p2p::FindNodeResponse response;
      if (!Parse(bytes, response)) return;
      absl::StatusOr<FindNodeReply> reply = VerifyFindNode(response, ctx);
      if (!reply.ok()) return;
      CheckResponder(reply->responder, ctx);
      CheckContacts(reply->contacts);
      return;
    }
    case 2: {
      p2p::FindValueResponse response;
      if (!Parse(bytes, response)) return;
      const NodeId key = Id("hello");
      absl::StatusOr<FindValueReply> reply =
          VerifyFindValue(response, key, ctx);
      if (!reply.ok()) return;
      CheckResponder(reply->responder, ctx);
      if (reply->value.has_value()) {
        FUZZ_CHECK(!reply->value->empty() &&
                   reply->value->size() <= kMaxValueBytes)
            << reply->value->size() << " bytes";
        FUZZ_CHECK(NodeId(crypto::Sha256(*reply->value)) == key)
            << "accepted a value that is not the key's";
        FUZZ_CHECK(reply->closer.empty());
      } else {
        CheckContacts(reply->closer);
      }
      return;
    }
    case 3: {
      p2p::StoreResponse response;
      if (!Parse(bytes, response)) return;
      absl::StatusOr<StoreReply> reply = VerifyStore(response, ctx);
      if (reply.ok()) CheckResponder(reply->responder, ctx);
      return;
    }
    case 4: {
      p2p::GetPeersResponse response;
      if (!Parse(bytes, response)) return;
      absl::StatusOr<GetPeersReply> reply =
          VerifyGetPeers(response, max_peers, ctx);
      if (!reply.ok()) return;
      CheckResponder(reply->responder, ctx);
      FUZZ_CHECK(reply->peers.size() <= max_peers)
          << reply->peers.size() << " peers for " << max_peers;
      for (const PeerEntry& entry : reply->peers) CheckPeerEntry(entry);
      return;
    }
    case 5: {
      p2p::SharePeersResponse response;
      if (!Parse(bytes, response)) return;
      absl::StatusOr<SharePeersReply> reply = VerifySharePeers(response, ctx);
      if (!reply.ok()) return;
      CheckResponder(reply->responder, ctx);
      FUZZ_CHECK(reply->added == response.added() &&
                 reply->ignored == response.ignored());
      return;
    }
  }
}

}  // namespace
}  // namespace datamgmt::dht

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  datamgmt::dht::Run(data, size);
  return 0;
}
