// Conversions between the P2P wire types (datamgmt.p2p.v1), peer-manager's
// types (datamgmt.peers.v1, datamgmt.types.v1) and dht-service's proto-free
// types (kademlia::Contact, PeerEntry), validating everything that comes
// from the wire. Proto types stop here and at the gRPC adapters.
//
//   absl::StatusOr<Contact> sender = ContactFromProto(req.sender(), "sender");
//   *resp.mutable_responder() = ContactToProto(self.Get());
//
// Pure functions; thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_P2P_CONVERT_H_
#define DATAMGMT_SERVICES_DHT_P2P_CONVERT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "datamgmt/p2p/v1/p2p.pb.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "datamgmt/types/v1/types.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/dht/peer_client.h"

namespace datamgmt::dht {

// Protocol limits of datamgmt.p2p.v1.
inline constexpr size_t kMaxPeerEntries = 100;
inline constexpr size_t kMaxValueBytes = 1 << 20;  // 1 MiB

// A 32-byte ID or key from a `bytes` field. Returns InvalidArgument naming
// `what` ("key", "target") otherwise.
absl::StatusOr<kademlia::NodeId> IdFromProto(absl::string_view bytes,
                                             absl::string_view what);

// A wire Contact: node_id exactly 32 bytes and a valid "host:port" address
// (common/net/peer_address.h); the address is kept as the peer spelled it.
// Returns InvalidArgument naming `what` ("sender", "responder") otherwise.
absl::StatusOr<kademlia::Contact> ContactFromProto(
    const p2p::v1::Contact& proto, absl::string_view what);

p2p::v1::Contact ContactToProto(const kademlia::Contact& contact);

// The well-formed contacts among the first `max` entries of `contacts`, in
// order; malformed ones are dropped.
std::vector<kademlia::Contact> ContactsFromProto(
    const google::protobuf::RepeatedPtrField<p2p::v1::Contact>& contacts,
    size_t max);

// A wire PeerEntry: a valid host and port and a node_id of 0 or 32 bytes
// and a finite, non-negative last_seen, with the host canonicalised
// (common/net/peer_address.h). Returns InvalidArgument otherwise.
absl::StatusOr<PeerEntry> PeerEntryFromProto(const p2p::v1::PeerEntry& proto);
p2p::v1::PeerEntry PeerEntryToProto(const PeerEntry& entry);

// peer-manager's view of a peer as an exchange entry, host canonicalised.
// Returns InvalidArgument if its address, port or node ID is malformed.
absl::StatusOr<PeerEntry> PeerEntryFromPeer(const peers::v1::Peer& peer);

// An exchange entry as a second-hand hint for peer-manager (address
// "host:port" in canonical form, hex node ID or empty, last_seen kept).
types::v1::PeerHint PeerEntryToHint(const PeerEntry& entry);

// A hint as an exchange entry. Returns InvalidArgument if its address or
// node ID is malformed.
absl::StatusOr<PeerEntry> PeerEntryFromHint(const types::v1::PeerHint& hint);

// True if `entry`'s host and port and the "host:port" `address` name the
// same peer, compared in canonical form ("Node1:80" and "node1:80" do;
// "[2001:DB8::0:7]:80" and host "2001:db8::7" port 80 do). False if either
// is not a valid peer address.
bool IsAtAddress(const PeerEntry& entry, absl::string_view address);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_P2P_CONVERT_H_
