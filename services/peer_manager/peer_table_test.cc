// PeerTable: options, list/get/add/remove, prune, stats, restore.
#include "services/peer_manager/peer_table.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "services/peer_manager/peer_table_test_util.h"

namespace datamgmt::peer_manager {
namespace {

using ::datamgmt::peer_manager::testing::Hex;
using ::datamgmt::peer_manager::testing::Id;
using ::datamgmt::peer_manager::testing::kT0;
using ::datamgmt::peer_manager::testing::MakeTable;
using ::datamgmt::peer_manager::testing::Success;

std::vector<std::string> Addresses(const std::vector<PeerView>& views) {
  std::vector<std::string> out;
  for (const PeerView& v : views) out.push_back(v.record.address.ToString());
  return out;
}

TEST(PeerTableOptionsTest, DefaultsAreTheSeedsAndValid) {
  PeerTableOptions options;
  EXPECT_TRUE(options.Validate().ok());
  EXPECT_EQ(options.max_peers, 1000);
  EXPECT_EQ(options.max_batch_size, 1000);
  EXPECT_EQ(options.health.prune_age, absl::Hours(1));
}

TEST(PeerTableOptionsTest, RejectsBadFields) {
  PeerTableOptions options;
  options.max_peers = 0;
  EXPECT_EQ(PeerTable::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = PeerTableOptions();
  options.max_batch_size = 0;
  EXPECT_FALSE(options.Validate().ok());
  options = PeerTableOptions();
  options.health.min_success_rate = 2;
  EXPECT_FALSE(options.Validate().ok());
  options = PeerTableOptions();
  options.self_addresses = {"no-port"};
  absl::Status s = options.Validate();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("self_addresses"), std::string::npos);
}

TEST(PeerTableTest, AddThenGetANewPeer) {
  PeerTable table = MakeTable();
  absl::StatusOr<AddOutcome> added =
      table.Add("Node7:8000", absl::AsciiStrToUpper(Hex(7)), kT0);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_FALSE(added->evicted.has_value());
  const PeerRecord& r = added->peer.record;
  EXPECT_EQ(r.address.ToString(), "node7:8000");
  EXPECT_EQ(r.node_id, Id(7));
  EXPECT_EQ(r.stats.last_seen, kT0);  // peers.proto: the time it was added
  EXPECT_EQ(r.stats.success_count, 0);
  EXPECT_EQ(r.stats.failure_count, 0);
  EXPECT_EQ(r.added_at, kT0);
  EXPECT_FALSE(r.last_rtt.has_value());
  EXPECT_TRUE(added->peer.healthy);  // the new-peer rule
  EXPECT_EQ(added->peer.success_rate, 0.0);

  absl::StatusOr<PeerView> got = table.Get("NODE7:8000", kT0);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->record, r);
  EXPECT_EQ(table.size(), 1u);
}

TEST(PeerTableTest, AddErrors) {
  PeerTable table = MakeTable(/*max_peers=*/2);
  ASSERT_TRUE(table.Add("node1:8000", "", kT0).ok());
  EXPECT_EQ(table.Add("node1:8000", "", kT0).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(table.Add("NODE1:8000", "", kT0).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(table.Add("node1", "", kT0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.Add("node2:8000", "abc", kT0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Our own address (any spelling) and our own ID.
  EXPECT_EQ(table.Add("10.0.0.1:8000", "", kT0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.Add("Node0:8000", "", kT0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(table.Add("node2:8000", Hex(0), kT0).status().code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(table.Add("node2:8000", "", kT0).ok());
  absl::Status full = table.Add("node3:8000", "", kT0).status();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(table.size(), 2u);
}

TEST(PeerTableTest, AddWhenFullDisplacesTheOldestDeadPeer) {
  PeerTable table = MakeTable(/*max_peers=*/3);
  ASSERT_TRUE(table.Add("a:1", "", kT0).ok());
  ASSERT_TRUE(table.Add("b:1", "", kT0 + absl::Minutes(1)).ok());
  ASSERT_TRUE(table.Add("c:1", "", kT0 + absl::Minutes(30)).ok());
  // At kT0 + 1h1m: a and b are dead (seen > 1 h ago), a the longer.
  const absl::Time now =
      kT0 + absl::Hours(1) + absl::Minutes(1) + absl::Nanoseconds(1);
  absl::StatusOr<AddOutcome> added = table.Add("d:1", "", now);
  ASSERT_TRUE(added.ok()) << added.status();
  ASSERT_TRUE(added->evicted.has_value());
  EXPECT_EQ(added->evicted->address.ToString(), "a:1");
  EXPECT_EQ(Addresses(table.List(false, now)),
            (std::vector<std::string>{"b:1", "c:1", "d:1"}));
}

TEST(PeerTableTest, GetErrors) {
  PeerTable table = MakeTable();
  EXPECT_EQ(table.Get("node1:8000", kT0).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(table.Get("stats", kT0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PeerTableTest, ListIsOrderedByAddressAndFiltersHealthy) {
  PeerTable table = MakeTable();
  for (const char* a : {"node3:1", "[::1]:8000", "10.0.0.9:1", "node10:1"}) {
    ASSERT_TRUE(table.Add(a, "", kT0).ok());
  }
  // node3 fails 5 times: unhealthy.
  std::vector<ContactResult> failures(5, testing::Failure("node3:1"));
  ASSERT_TRUE(table.RecordContacts(failures, kT0).ok());
  EXPECT_EQ(Addresses(table.List(false, kT0)),
            (std::vector<std::string>{"10.0.0.9:1", "[::1]:8000", "node10:1",
                                      "node3:1"}));
  EXPECT_EQ(Addresses(table.List(true, kT0)),
            (std::vector<std::string>{"10.0.0.9:1", "[::1]:8000", "node10:1"}));
  PeerCounts counts = table.Stats(kT0);
  EXPECT_EQ(counts.total, 4);
  EXPECT_EQ(counts.healthy, 3);
}

TEST(PeerTableTest, RemoveUnconditionally) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add("[::1]:8000", "", kT0).ok());
  absl::StatusOr<PeerRecord> removed =
      table.Remove("[0::1]:8000", std::nullopt);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(removed->address.ToString(), "[::1]:8000");
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.Remove("[::1]:8000", std::nullopt).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(table.Remove("::1:8000", std::nullopt).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PeerTableTest, RemoveWithLastSeenBeforePrecondition) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add("node1:1", "", kT0).ok());
  // last_seen == before: "not earlier than it" -> kept.
  EXPECT_EQ(table.Remove("node1:1", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(table.Remove("node1:1", kT0 - absl::Seconds(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(table.size(), 1u);
  // Health-monitor's race: the peer answered after the round began.
  ASSERT_TRUE(
      table
          .RecordContacts({Success("node1:1", "", kT0 + absl::Hours(2))},
                          kT0 + absl::Hours(2))
          .ok());
  EXPECT_EQ(table.Remove("node1:1", kT0 + absl::Hours(1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(
      table.Remove("node1:1", kT0 + absl::Hours(2) + absl::Nanoseconds(1))
          .ok());
  EXPECT_TRUE(table.empty());
}

TEST(PeerTableTest, PruneAtOneHourPlusEpsilonNotAtOneHour) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add("never-answered:1", "", kT0).ok());
  ASSERT_TRUE(table.Add("answered:1", "", kT0).ok());
  const absl::Time answered_at = kT0 + absl::Minutes(10);
  ASSERT_TRUE(
      table
          .RecordContacts({Success("answered:1", "", answered_at)}, answered_at)
          .ok());

  // A never-contacted peer's last_seen is its added-at time.
  EXPECT_TRUE(table.Prune(kT0 + absl::Hours(1)).empty());
  std::vector<PeerRecord> pruned =
      table.Prune(kT0 + absl::Hours(1) + absl::Nanoseconds(1));
  ASSERT_EQ(pruned.size(), 1u);
  EXPECT_EQ(pruned[0].address.ToString(), "never-answered:1");

  EXPECT_TRUE(table.Prune(answered_at + absl::Hours(1)).empty());
  pruned = table.Prune(answered_at + absl::Hours(1) + absl::Nanoseconds(1));
  ASSERT_EQ(pruned.size(), 1u);
  EXPECT_EQ(pruned[0].address.ToString(), "answered:1");
  EXPECT_TRUE(table.empty());
}

TEST(PeerTableTest, RestoreSkipsSelfDuplicatesAndKeepsTheFreshestWhenFull) {
  PeerTable table = MakeTable(/*max_peers=*/3);
  ASSERT_TRUE(table.Add("present:1", "", kT0).ok());
  auto record = [](const std::string& address, absl::Time last_seen,
                   std::optional<kademlia::NodeId> id = std::nullopt) {
    PeerRecord r;
    r.address = *net::ParsePeerAddress(address);
    r.stats.last_seen = last_seen;
    r.node_id = id;
    return r;
  };
  RestoreOutcome outcome = table.Restore({
      record("old:1", kT0 - absl::Hours(3)),
      record("10.0.0.1:8000", kT0),          // our address
      record("me-elsewhere:1", kT0, Id(0)),  // our ID
      record("present:1", kT0 - absl::Hours(1)),
      record("fresh:1", kT0 - absl::Minutes(1)),
      record("older:1", kT0 - absl::Hours(2)),
  });
  EXPECT_EQ(outcome.restored, 2);
  EXPECT_EQ(outcome.skipped_self, 2);
  EXPECT_EQ(outcome.skipped_duplicate, 1);
  EXPECT_EQ(outcome.skipped_over_capacity, 1);
  EXPECT_EQ(Addresses(table.List(false, kT0)),
            (std::vector<std::string>{"fresh:1", "older:1", "present:1"}));
  EXPECT_EQ(table.Records().size(), 3u);
}

}  // namespace
}  // namespace datamgmt::peer_manager
