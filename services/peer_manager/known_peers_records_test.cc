#include "services/peer_manager/known_peers_records.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/peer_manager/known_peers_file.h"
#include "services/peer_manager/peer_table.h"

namespace datamgmt::peer_manager {
namespace {

constexpr char kSeedSample[] = R"({
  "192.168.1.10:8000": {
    "host": "192.168.1.10",
    "port": 8000,
    "last_seen": 1705312200.5,
    "success_count": 100,
    "failure_count": 5
  }
}
)";

const absl::Time kNow = absl::FromUnixSeconds(1'705'312'260);

TEST(KnownPeersRecordsTest, UnixSecondsRoundTripExactly) {
  for (double s :
       {0.0, 0.5, 1.0, 1705312200.5, 1705312200.123456, 1705312200.999999,
        1705312200.1, 1.7053122001234567e9, 4102444800.25,
        // Found by fuzz/known_peers_fuzz: came back as 3410624400.4999995.
        3410624400.5, 2097152.0000000005, 253402300799.99997}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(UnixSecondsFromTime(TimeFromUnixSeconds(s)), s);
  }
  // Below 2^21 s, to within absl::Time's quarter nanosecond.
  for (double s : {1e-12, 0.1234567890123456, 12345.678901234567}) {
    SCOPED_TRACE(s);
    EXPECT_NEAR(UnixSecondsFromTime(TimeFromUnixSeconds(s)), s, 1.25e-10);
  }
  EXPECT_EQ(TimeFromUnixSeconds(1705312200.5),
            absl::FromUnixMillis(1705312200500));
  EXPECT_EQ(UnixSecondsFromTime(absl::InfinitePast()), 0.0);
  EXPECT_EQ(UnixSecondsFromTime(absl::FromUnixSeconds(-5)), 0.0);
}

TEST(KnownPeersRecordsTest, SeedSampleBecomesARecordAndBack) {
  KnownPeers file = *ParseKnownPeers(kSeedSample, "sample");
  std::vector<PeerRecord> records = RecordsFromKnownPeers(file, kNow);
  ASSERT_EQ(records.size(), 1u);
  const PeerRecord& r = records[0];
  EXPECT_EQ(r.address.ToString(), "192.168.1.10:8000");
  EXPECT_EQ(r.stats.last_seen, absl::FromUnixMillis(1705312200500));
  EXPECT_EQ(r.stats.success_count, 100);
  EXPECT_EQ(r.stats.failure_count, 5);
  EXPECT_FALSE(r.node_id.has_value());
  EXPECT_FALSE(r.last_rtt.has_value());
  EXPECT_EQ(r.added_at, kNow);
  EXPECT_EQ(SerializeKnownPeers(KnownPeersFromRecords(records)), kSeedSample);
}

TEST(KnownPeersRecordsTest, ThroughTheTableAndBack) {
  KnownPeers file = *ParseKnownPeers(
      R"({"node1:8000": {"host": "node1", "port": 8000, "last_seen": 10.25,
                         "success_count": 1, "failure_count": 0,
                         "node_id": ")" +
          std::string(64, 'b') + R"(", "zone": "eu"},
          "[::1]:9": {"host": "::1", "port": 9, "last_seen": 1705312200.5,
                      "success_count": 100, "failure_count": 5}})",
      "x");
  PeerTable table = *PeerTable::Create(PeerTableOptions());
  RestoreOutcome outcome = table.Restore(RecordsFromKnownPeers(file, kNow));
  EXPECT_EQ(outcome.restored, 2);
  // Unchanged records write back the same file, extra fields included.
  EXPECT_EQ(KnownPeersFromRecords(table.Records()), file);

  // A contact updates the entry; a different node at an address drops the
  // old node's extra fields.
  ContactResult answer;
  answer.address = "node1:8000";
  answer.node_id = std::string(64, 'c');
  answer.success = true;
  ASSERT_TRUE(table.RecordContacts({answer}, kNow).ok());
  KnownPeers saved = KnownPeersFromRecords(table.Records());
  const KnownPeerEntry& e = saved.at("node1:8000");
  EXPECT_EQ(e.node_id, std::string(64, 'c'));
  EXPECT_EQ(e.success_count, 1);
  EXPECT_EQ(e.last_seen, 1705312260.0);
  EXPECT_TRUE(e.extra_fields.empty());
  EXPECT_EQ(saved.at("[::1]:9"), file.at("[::1]:9"));
}

TEST(KnownPeersRecordsTest, InvalidHandMadeEntriesAreSkipped) {
  KnownPeers file;
  file["bad"] = KnownPeerEntry{.host = "",
                               .port = 1,
                               .last_seen = 0,
                               .success_count = 0,
                               .failure_count = 0,
                               .node_id = "",
                               .extra_fields = {}};
  file["neg:1"] = KnownPeerEntry{.host = "neg",
                                 .port = 1,
                                 .last_seen = 0,
                                 .success_count = -1,
                                 .failure_count = 0,
                                 .node_id = "",
                                 .extra_fields = {}};
  file["id:1"] = KnownPeerEntry{.host = "id",
                                .port = 1,
                                .last_seen = 0,
                                .success_count = 0,
                                .failure_count = 0,
                                .node_id = "xyz",
                                .extra_fields = {}};
  file["ok:1"] = KnownPeerEntry{.host = "ok",
                                .port = 1,
                                .last_seen = 0,
                                .success_count = 0,
                                .failure_count = 0,
                                .node_id = "",
                                .extra_fields = {}};
  std::vector<PeerRecord> records = RecordsFromKnownPeers(file, kNow);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].address.ToString(), "ok:1");
  EXPECT_EQ(RecordFromEntry(file["neg:1"], kNow).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace datamgmt::peer_manager
