// PeerTable::RecordContacts and PeerTable::MergeHints.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/peer_manager/peer_table.h"
#include "services/peer_manager/peer_table_test_util.h"

namespace datamgmt::peer_manager {
namespace {

using ::datamgmt::peer_manager::testing::Failure;
using ::datamgmt::peer_manager::testing::Hex;
using ::datamgmt::peer_manager::testing::Hint;
using ::datamgmt::peer_manager::testing::Id;
using ::datamgmt::peer_manager::testing::kT0;
using ::datamgmt::peer_manager::testing::MakeTable;
using ::datamgmt::peer_manager::testing::Success;

PeerRecord Get(const PeerTable& table, const std::string& address) {
  absl::StatusOr<PeerView> view = table.Get(address, kT0);
  EXPECT_TRUE(view.ok()) << view.status();
  return view.ok() ? view->record : PeerRecord();
}

TEST(RecordContactsTest, SuccessOnKnownPeer) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add("node1:1", "", kT0).ok());
  const absl::Time at = kT0 + absl::Seconds(5);
  absl::StatusOr<RecordContactsOutcome> outcome = table.RecordContacts(
      {Success("node1:1", Hex(1), at, absl::Milliseconds(7))},
      kT0 + absl::Seconds(6));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->applied, 1);
  EXPECT_EQ(outcome->added + outcome->ignored, 0);
  PeerRecord r = Get(table, "node1:1");
  EXPECT_EQ(r.stats.success_count, 1);
  EXPECT_EQ(r.stats.last_seen, at);  // observed_at, not `now`
  EXPECT_EQ(r.last_rtt, absl::Milliseconds(7));
  EXPECT_EQ(r.node_id, Id(1));  // an empty stored ID is filled in
  EXPECT_EQ(r.added_at, kT0);
}

TEST(RecordContactsTest, LastSeenNeverMovesBackwardsAndFutureMeansNow) {
  PeerTable table = MakeTable();
  const absl::Time now = kT0 + absl::Minutes(1);
  ASSERT_TRUE(table.RecordContacts({Success("node1:1", "", now)}, now).ok());
  ASSERT_TRUE(table.RecordContacts({Success("node1:1", "", kT0)}, now).ok());
  EXPECT_EQ(Get(table, "node1:1").stats.last_seen, now);
  EXPECT_EQ(Get(table, "node1:1").stats.success_count, 2);
  // observed_at unset or in the future: the time of the call.
  ASSERT_TRUE(
      table
          .RecordContacts({Success("node1:1", "", now + absl::Hours(5))},
                          now + absl::Seconds(1))
          .ok());
  EXPECT_EQ(Get(table, "node1:1").stats.last_seen, now + absl::Seconds(1));
  ASSERT_TRUE(
      table.RecordContacts({Success("node1:1")}, now + absl::Seconds(2)).ok());
  EXPECT_EQ(Get(table, "node1:1").stats.last_seen, now + absl::Seconds(2));
}

TEST(RecordContactsTest, RttIsKeptWhenNotMeasured) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table
                  .RecordContacts(
                      {Success("node1:1", "", kT0, absl::Milliseconds(3))}, kT0)
                  .ok());
  ASSERT_TRUE(table.RecordContacts({Success("node1:1")}, kT0).ok());
  EXPECT_EQ(Get(table, "node1:1").last_rtt, absl::Milliseconds(3));
}

TEST(RecordContactsTest, AnotherNodeAtTheAddressRestartsTheCounts) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add("node1:1", Hex(1), kT0).ok());
  std::vector<ContactResult> batch = {Success("node1:1", Hex(1)),
                                      Failure("node1:1"), Failure("node1:1")};
  ASSERT_TRUE(table.RecordContacts(batch, kT0).ok());
  PeerRecord before = Get(table, "node1:1");
  EXPECT_EQ(before.stats.success_count, 1);
  EXPECT_EQ(before.stats.failure_count, 2);

  const absl::Time later = kT0 + absl::Minutes(1);
  ASSERT_TRUE(
      table.RecordContacts({Success("node1:1", Hex(2), later)}, later).ok());
  PeerRecord after = Get(table, "node1:1");
  EXPECT_EQ(after.node_id, Id(2));
  EXPECT_EQ(after.stats.success_count, 1);
  EXPECT_EQ(after.stats.failure_count, 0);
  EXPECT_EQ(after.stats.last_seen, later);
  // A success without an ID keeps the stored one.
  ASSERT_TRUE(table.RecordContacts({Success("node1:1")}, later).ok());
  EXPECT_EQ(Get(table, "node1:1").node_id, Id(2));
  EXPECT_EQ(Get(table, "node1:1").stats.success_count, 2);
}

TEST(RecordContactsTest, FailureOnKnownPeerChangesOnlyTheFailureCount) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(
      table
          .RecordContacts(
              {Success("node1:1", Hex(1), kT0, absl::Milliseconds(2))}, kT0)
          .ok());
  PeerRecord before = Get(table, "node1:1");
  absl::StatusOr<RecordContactsOutcome> outcome =
      table.RecordContacts({Failure("node1:1")}, kT0 + absl::Minutes(1));
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->applied, 1);
  PeerRecord after = Get(table, "node1:1");
  before.stats.failure_count = 1;
  EXPECT_EQ(after, before);
}

TEST(RecordContactsTest, UnknownPeers) {
  PeerTable table = MakeTable();
  absl::StatusOr<RecordContactsOutcome> outcome = table.RecordContacts(
      {Failure("lost:1"),
       Success("new:1", Hex(5), kT0 - absl::Seconds(1), absl::Milliseconds(9))},
      kT0);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->ignored, 1);  // a failure for an unknown address
  EXPECT_EQ(outcome->added, 1);    // a success proves it reachable
  EXPECT_EQ(outcome->applied, 0);
  EXPECT_EQ(table.size(), 1u);
  PeerRecord r = Get(table, "new:1");
  EXPECT_EQ(r.stats.success_count, 1);
  EXPECT_EQ(r.stats.failure_count, 0);
  EXPECT_EQ(r.stats.last_seen, kT0 - absl::Seconds(1));
  EXPECT_EQ(r.node_id, Id(5));
  EXPECT_EQ(r.last_rtt, absl::Milliseconds(9));
  EXPECT_EQ(r.added_at, kT0);
}

TEST(RecordContactsTest, MalformedAndSelfItemsAreIgnoredNotFatal) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add("node1:1", "", kT0).ok());
  ContactResult negative_rtt = Success("node1:1");
  negative_rtt.rtt = absl::Milliseconds(-1);
  ContactResult failure_with_bad_id = Failure("node1:1");
  failure_with_bad_id.node_id = "zz";  // ignored on failures
  std::vector<ContactResult> batch = {
      Success("no-port"),
      Success("node1:1", "not-hex"),
      negative_rtt,
      Success("10.0.0.1:8000"),        // our address
      Success("elsewhere:1", Hex(0)),  // our ID
      Failure("node0:8000"),           // our address, failure
      failure_with_bad_id,
      Success("node1:1"),
  };
  absl::StatusOr<RecordContactsOutcome> outcome =
      table.RecordContacts(batch, kT0);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->ignored, 6);
  EXPECT_EQ(outcome->applied, 2);
  EXPECT_EQ(outcome->added, 0);
  EXPECT_EQ(outcome->applied + outcome->added + outcome->ignored,
            static_cast<int>(batch.size()));
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(Get(table, "node1:1").stats.success_count, 1);
  EXPECT_EQ(Get(table, "node1:1").stats.failure_count, 1);
}

TEST(RecordContactsTest, BatchLimit) {
  PeerTable table = MakeTable();
  std::vector<ContactResult> batch(1000, Success("node1:1"));
  ASSERT_TRUE(table.RecordContacts(batch, kT0).ok());
  EXPECT_EQ(Get(table, "node1:1").stats.success_count, 1000);
  batch.push_back(Success("node2:1"));
  absl::StatusOr<RecordContactsOutcome> over = table.RecordContacts(batch, kT0);
  EXPECT_EQ(over.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Get(table, "node1:1").stats.success_count,
            1000);  // nothing applied
  EXPECT_EQ(table.size(), 1u);
}

TEST(RecordContactsTest, FullTableRefusesUnlessAPeerIsDead) {
  PeerTable table = MakeTable(/*max_peers=*/2);
  ASSERT_TRUE(table.Add("a:1", "", kT0).ok());
  ASSERT_TRUE(table.Add("b:1", "", kT0 + absl::Minutes(5)).ok());
  absl::StatusOr<RecordContactsOutcome> refused =
      table.RecordContacts({Success("c:1")}, kT0 + absl::Minutes(10));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->ignored, 1);
  EXPECT_FALSE(table.Get("c:1", kT0).ok());

  const absl::Time later = kT0 + absl::Hours(1) + absl::Seconds(1);  // a dead
  absl::StatusOr<RecordContactsOutcome> displaced =
      table.RecordContacts({Success("c:1")}, later);
  ASSERT_TRUE(displaced.ok());
  EXPECT_EQ(displaced->added, 1);
  ASSERT_EQ(displaced->evicted.size(), 1u);
  EXPECT_EQ(displaced->evicted[0].address.ToString(), "a:1");
  EXPECT_EQ(table.size(), 2u);
}

TEST(MergeHintsTest, AddsUnknownPeersWithNoAttempts) {
  PeerTable table = MakeTable();
  absl::StatusOr<MergeOutcome> outcome = table.MergeHints(
      {Hint("node1:1", Hex(1), kT0 - absl::Minutes(2)), Hint("[::1]:2")}, kT0);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->added, 2);
  EXPECT_EQ(outcome->ignored, 0);
  PeerRecord r = Get(table, "node1:1");
  EXPECT_EQ(r.node_id, Id(1));
  EXPECT_EQ(r.stats.success_count, 0);
  EXPECT_EQ(r.stats.failure_count, 0);
  EXPECT_EQ(r.stats.last_seen, kT0);  // never the hint's own last_seen
  EXPECT_EQ(r.added_at, kT0);
  EXPECT_FALSE(Get(table, "[::1]:2").node_id.has_value());
}

TEST(MergeHintsTest, NeverModifiesKnownPeersExceptAnEmptyNodeId) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table
                  .RecordContacts(
                      {Success("node1:1", "", kT0), Failure("node1:1")}, kT0)
                  .ok());
  ASSERT_TRUE(table.Add("node2:1", Hex(2), kT0).ok());
  PeerRecord node1 = Get(table, "node1:1");
  PeerRecord node2 = Get(table, "node2:1");
  const absl::Time later = kT0 + absl::Minutes(3);
  absl::StatusOr<MergeOutcome> outcome = table.MergeHints(
      {Hint("node1:1", Hex(1), later), Hint("NODE2:1", Hex(3), later)}, later);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->known, 2);
  EXPECT_EQ(outcome->added + outcome->ignored, 0);
  EXPECT_EQ(outcome->node_ids_filled, 1);
  node1.node_id = Id(1);
  EXPECT_EQ(Get(table, "node1:1"), node1);  // counts and last_seen unchanged
  EXPECT_EQ(Get(table, "node2:1"), node2);  // a set ID is not replaced
}

TEST(MergeHintsTest, SelfMalformedAndStaleAreIgnored) {
  PeerTable table = MakeTable();
  const absl::Time now = kT0 + absl::Hours(3);
  std::vector<PeerHint> hints = {
      Hint("10.0.0.1:8000"),        // our address
      Hint("Node0:8000"),           // our address, other case
      Hint("elsewhere:1", Hex(0)),  // our ID
      Hint("no-port"),              // malformed address
      Hint("0.0.0.0:1"),            // unspecified host
      Hint("node1:1", "abc"),       // malformed ID
      Hint("stale:1", "", now - absl::Hours(1) - absl::Seconds(1)),
      Hint("edge:1", "", now - absl::Hours(1)),  // exactly the prune age
      Hint("fresh:1", "", now - absl::Minutes(1)),
  };
  absl::StatusOr<MergeOutcome> outcome = table.MergeHints(hints, now);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->ignored, 7);
  EXPECT_EQ(outcome->added, 2);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_TRUE(table.Get("edge:1", now).ok());
  EXPECT_TRUE(table.Get("fresh:1", now).ok());
}

TEST(MergeHintsTest, DuplicatesInOneBatchAddOnce) {
  PeerTable table = MakeTable();
  absl::StatusOr<MergeOutcome> outcome =
      table.MergeHints({Hint("node1:1"), Hint("NODE1:1")}, kT0);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->added, 1);
  EXPECT_EQ(outcome->known, 1);
}

TEST(MergeHintsTest, CapacityRefusesNewHintsWhenNoPeerIsDead) {
  PeerTable table = MakeTable(/*max_peers=*/3);
  absl::StatusOr<MergeOutcome> outcome = table.MergeHints(
      {Hint("a:1"), Hint("b:1"), Hint("c:1"), Hint("d:1"), Hint("e:1")}, kT0);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->added, 3);
  EXPECT_EQ(outcome->ignored, 2);
  EXPECT_TRUE(outcome->evicted.empty());
  EXPECT_EQ(table.size(), 3u);
  EXPECT_FALSE(table.Get("d:1", kT0).ok());
}

TEST(MergeHintsTest, CapacityDisplacesDeadPeersOldestFirst) {
  PeerTable table = MakeTable(/*max_peers=*/3);
  ASSERT_TRUE(table.Add("old:1", "", kT0).ok());
  ASSERT_TRUE(table.Add("older:1", "", kT0 - absl::Minutes(10)).ok());
  ASSERT_TRUE(table.Add("live:1", "", kT0).ok());
  const absl::Time now = kT0 + absl::Hours(1) + absl::Seconds(1);
  ASSERT_TRUE(table.RecordContacts({Success("live:1")}, now).ok());
  absl::StatusOr<MergeOutcome> outcome =
      table.MergeHints({Hint("x:1"), Hint("y:1"), Hint("z:1")}, now);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome->added, 2);
  EXPECT_EQ(outcome->ignored, 1);  // only live:1 is left, and it is alive
  ASSERT_EQ(outcome->evicted.size(), 2u);
  EXPECT_EQ(outcome->evicted[0].address.ToString(), "older:1");
  EXPECT_EQ(outcome->evicted[1].address.ToString(), "old:1");
  EXPECT_TRUE(table.Get("live:1", now).ok());
}

TEST(MergeHintsTest, BatchLimit) {
  PeerTable table = MakeTable();
  std::vector<PeerHint> hints(1001, Hint("node1:1"));
  EXPECT_EQ(table.MergeHints(hints, kT0).status().code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(table.empty());
}

}  // namespace
}  // namespace datamgmt::peer_manager
