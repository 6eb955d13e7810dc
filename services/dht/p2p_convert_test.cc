#include "services/dht/p2p_convert.h"

#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::NodeId;

p2p::v1::Contact Wire(std::string id, std::string address) {
  p2p::v1::Contact c;
  c.set_node_id(std::move(id));
  c.set_address(std::move(address));
  return c;
}

const std::string kId(32, '\x07');

TEST(P2pConvertTest, ContactRoundTrip) {
  absl::StatusOr<Contact> c =
      ContactFromProto(Wire(kId, "10.0.0.7:8000"), "sender");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->id.ToBytes(), kId);
  p2p::v1::Contact back = ContactToProto(*c);
  EXPECT_EQ(back.node_id(), kId);
  EXPECT_EQ(back.address(), "10.0.0.7:8000");
}

TEST(P2pConvertTest, MalformedContactsNameTheField) {
  absl::StatusOr<Contact> short_id =
      ContactFromProto(Wire(std::string(31, 'x'), "10.0.0.7:8000"), "sender");
  EXPECT_EQ(short_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_id.status().message().find("sender.node_id"),
            std::string::npos);
  absl::StatusOr<Contact> bad_address =
      ContactFromProto(Wire(kId, "10.0.0.7"), "responder");
  EXPECT_EQ(bad_address.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad_address.status().message().find("responder.address"),
            std::string::npos);
  EXPECT_FALSE(ContactFromProto(p2p::v1::Contact(), "sender").ok());
}

TEST(P2pConvertTest, ContactListsDropMalformedAndStopAtMax) {
  google::protobuf::RepeatedPtrField<p2p::v1::Contact> list;
  *list.Add() = Wire(kId, "a:1");
  *list.Add() = Wire("short", "b:1");
  *list.Add() = Wire(std::string(32, '\x01'), "c:0");
  *list.Add() = Wire(std::string(32, '\x02'), "d:1");
  *list.Add() = Wire(std::string(32, '\x03'), "e:1");
  std::vector<Contact> all = ContactsFromProto(list, 20);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].address, "a:1");
  EXPECT_EQ(all[1].address, "d:1");
  // Only the first 4 entries count; of those, 2 are well-formed.
  EXPECT_EQ(ContactsFromProto(list, 4).size(), 2u);
}

TEST(P2pConvertTest, IdsMustBe32Bytes) {
  EXPECT_TRUE(IdFromProto(kId, "key").ok());
  absl::StatusOr<NodeId> bad = IdFromProto("abc", "target");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("target"), std::string::npos);
}

TEST(P2pConvertTest, PeerEntriesAreValidated) {
  p2p::v1::PeerEntry e;
  e.set_host("2001:db8::7");
  e.set_port(8000);
  e.set_node_id(kId);
  e.set_last_seen(1705312200.5);
  absl::StatusOr<PeerEntry> entry = PeerEntryFromProto(e);
  ASSERT_TRUE(entry.ok()) << entry.status();
  types::v1::PeerHint hint = PeerEntryToHint(*entry);
  EXPECT_EQ(hint.address(), "[2001:db8::7]:8000");
  EXPECT_EQ(hint.node_id(), NodeId::FromBytes(kId)->ToHex());
  EXPECT_EQ(hint.last_seen(), 1705312200.5);
  absl::StatusOr<PeerEntry> back = PeerEntryFromHint(hint);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, *entry);
  EXPECT_EQ(PeerEntryToProto(*entry).SerializeAsString(),
            e.SerializeAsString());

  p2p::v1::PeerEntry bad = e;
  bad.set_port(0);
  EXPECT_FALSE(PeerEntryFromProto(bad).ok());
  bad = e;
  bad.set_port(70000);
  EXPECT_FALSE(PeerEntryFromProto(bad).ok());
  bad = e;
  bad.set_node_id("short");
  EXPECT_FALSE(PeerEntryFromProto(bad).ok());
  bad = e;
  bad.set_host("[::1]");
  EXPECT_FALSE(PeerEntryFromProto(bad).ok());
  bad = e;
  bad.set_host("0.0.0.0");
  EXPECT_FALSE(PeerEntryFromProto(bad).ok());
  bad = e;
  bad.set_last_seen(std::numeric_limits<double>::quiet_NaN());
  EXPECT_FALSE(PeerEntryFromProto(bad).ok());
  bad = e;
  bad.clear_node_id();
  EXPECT_TRUE(PeerEntryFromProto(bad).ok()) << "the node ID is optional";
}

TEST(P2pConvertTest, PeersFromPeerManager) {
  peers::v1::Peer peer;
  peer.set_address("node-3.example.org:8000");
  peer.set_node_id(std::string(64, 'A'));
  peer.set_last_seen(12.5);
  absl::StatusOr<PeerEntry> entry = PeerEntryFromPeer(peer);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->host, "node-3.example.org");
  EXPECT_EQ(entry->port, 8000u);
  ASSERT_TRUE(entry->node_id.has_value());
  EXPECT_EQ(entry->node_id->ToHex(), std::string(64, 'a'));
  peer.set_node_id("xyz");
  EXPECT_FALSE(PeerEntryFromPeer(peer).ok());
  peer.set_node_id("");
  peer.set_address("nope");
  EXPECT_FALSE(PeerEntryFromPeer(peer).ok());
}

TEST(P2pConvertTest, EntryHostsAreCanonicalAndComparedCanonically) {
  p2p::v1::PeerEntry e;
  e.set_host("2001:DB8:0::7");
  e.set_port(8000);
  absl::StatusOr<PeerEntry> entry = PeerEntryFromProto(e);
  ASSERT_TRUE(entry.ok()) << entry.status();
  EXPECT_EQ(entry->host, "2001:db8::7");
  EXPECT_EQ(PeerEntryToHint(*entry).address(), "[2001:db8::7]:8000");

  peers::v1::Peer peer;
  peer.set_address("Node-3.Example.ORG:8000");
  absl::StatusOr<PeerEntry> named = PeerEntryFromPeer(peer);
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_EQ(named->host, "node-3.example.org");

  EXPECT_TRUE(IsAtAddress(*entry, "[2001:0db8::0:7]:8000"));
  EXPECT_FALSE(IsAtAddress(*entry, "[2001:db8::7]:8001"));
  EXPECT_TRUE(IsAtAddress(PeerEntry{.host = "NODE1", .port = 80}, "node1:80"));
  EXPECT_FALSE(
      IsAtAddress(PeerEntry{.host = "0.0.0.0", .port = 80}, "0.0.0.0:80"))
      << "invalid addresses name no peer";
}

}  // namespace
}  // namespace datamgmt::dht
