#include "services/dht/p2p_convert.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/net/peer_address.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;

absl::StatusOr<NodeId> IdFromProto(absl::string_view bytes,
                                   absl::string_view what) {
  if (bytes.size() != static_cast<size_t>(kademlia::kIdBytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be exactly 32 bytes, got ", bytes.size()));
  }
  return NodeId::FromBytes(bytes);
}

absl::StatusOr<Contact> ContactFromProto(const p2p::v1::Contact& proto,
                                         absl::string_view what) {
  absl::StatusOr<NodeId> id =
      IdFromProto(proto.node_id(), absl::StrCat(what, ".node_id"));
  if (!id.ok()) return id.status();
  if (absl::Status s = net::ValidatePeerAddress(proto.address()); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ".address: ", s.message()));
  }
  return Contact{.id = *id, .address = proto.address()};
}

p2p::v1::Contact ContactToProto(const Contact& contact) {
  p2p::v1::Contact proto;
  proto.set_node_id(contact.id.ToBytes());
  proto.set_address(contact.address);
  return proto;
}

std::vector<Contact> ContactsFromProto(
    const google::protobuf::RepeatedPtrField<p2p::v1::Contact>& contacts,
    size_t max) {
  std::vector<Contact> out;
  const size_t n = std::min<size_t>(max, contacts.size());
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    absl::StatusOr<Contact> c = ContactFromProto(contacts[i], "contact");
    if (c.ok()) out.push_back(*std::move(c));
  }
  return out;
}

namespace {

absl::StatusOr<std::optional<NodeId>> OptionalId(absl::string_view bytes) {
  if (bytes.empty()) return std::optional<NodeId>();
  absl::StatusOr<NodeId> id = IdFromProto(bytes, "node_id");
  if (!id.ok()) return id.status();
  return std::optional<NodeId>(*id);
}

// Validates `entry` and canonicalises its host.
absl::Status CheckEntry(PeerEntry& entry) {
  if (entry.port < 1 || entry.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port must be 1..65535, got ", entry.port));
  }
  if (entry.host.empty() || entry.host.front() == '[') {
    return absl::InvalidArgumentError("host must be a bare name or literal");
  }
  if (!std::isfinite(entry.last_seen) || entry.last_seen < 0) {
    return absl::InvalidArgumentError("last_seen must be finite and >= 0");
  }
  absl::StatusOr<net::PeerAddress> address =
      net::MakePeerAddress(entry.host, entry.port);
  if (!address.ok()) return address.status();
  entry.host = std::move(address->host);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<PeerEntry> PeerEntryFromProto(const p2p::v1::PeerEntry& proto) {
  absl::StatusOr<std::optional<NodeId>> id = OptionalId(proto.node_id());
  if (!id.ok()) return id.status();
  PeerEntry entry{.host = proto.host(),
                  .port = proto.port(),
                  .node_id = *id,
                  .last_seen = proto.last_seen()};
  if (absl::Status s = CheckEntry(entry); !s.ok()) return s;
  return entry;
}

p2p::v1::PeerEntry PeerEntryToProto(const PeerEntry& entry) {
  p2p::v1::PeerEntry proto;
  proto.set_host(entry.host);
  proto.set_port(entry.port);
  if (entry.node_id.has_value()) proto.set_node_id(entry.node_id->ToBytes());
  proto.set_last_seen(entry.last_seen);
  return proto;
}

absl::StatusOr<PeerEntry> PeerEntryFromPeer(const peers::v1::Peer& peer) {
  absl::StatusOr<net::PeerAddress> address =
      net::ParsePeerAddress(peer.address());
  if (!address.ok()) return address.status();
  PeerEntry entry{.host = address->host,
                  .port = address->port,
                  .last_seen = peer.last_seen()};
  if (!peer.node_id().empty()) {
    absl::StatusOr<NodeId> id = NodeId::FromHex(peer.node_id());
    if (!id.ok()) return id.status();
    entry.node_id = *id;
  }
  if (absl::Status s = CheckEntry(entry); !s.ok()) return s;
  return entry;
}

types::v1::PeerHint PeerEntryToHint(const PeerEntry& entry) {
  types::v1::PeerHint hint;
  absl::StatusOr<net::PeerAddress> address =
      net::MakePeerAddress(entry.host, entry.port);
  hint.set_address(address.ok() ? address->ToString()
                                : net::JoinHostPort(entry.host, entry.port));
  if (entry.node_id.has_value()) hint.set_node_id(entry.node_id->ToHex());
  hint.set_last_seen(entry.last_seen);
  return hint;
}

absl::StatusOr<PeerEntry> PeerEntryFromHint(const types::v1::PeerHint& hint) {
  peers::v1::Peer peer;
  peer.set_address(hint.address());
  peer.set_node_id(hint.node_id());
  peer.set_last_seen(hint.last_seen());
  return PeerEntryFromPeer(peer);
}

bool IsAtAddress(const PeerEntry& entry, absl::string_view address) {
  absl::StatusOr<net::PeerAddress> a =
      net::MakePeerAddress(entry.host, entry.port);
  absl::StatusOr<net::PeerAddress> b = net::ParsePeerAddress(address);
  return a.ok() && b.ok() && *a == *b;
}

}  // namespace datamgmt::dht
