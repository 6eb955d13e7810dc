// dht-service's reported standings as peer-manager applies them: banned
// peers are marked, never healthy, never shared, and banned addresses it
// does not know are listed too.
#include "services/peer_manager/peer_standings.h"

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/peer_manager/peer_store.h"

namespace datamgmt::peer_manager {
namespace {

using kademlia::NodeId;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

NodeId Id(char c) { return *NodeId::FromHex(std::string(64, c)); }

ReportedStanding Ban(absl::string_view address, std::optional<NodeId> id,
                     absl::Time until) {
  ReportedStanding s;
  if (!address.empty()) s.address = *net::ParsePeerAddress(address);
  s.node_id = id;
  s.banned_until = until;
  s.reason = "tampered data: FindValue value does not hash to its key";
  return s;
}

class PeerStoreStandingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PeerStore>> store =
        PeerStore::Create(PeerStoreOptions{}, false, kNow);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    ASSERT_TRUE(store_->Add("10.0.0.1:8000", std::string(64, 'a'), kNow).ok());
    ASSERT_TRUE(store_->Add("10.0.0.2:8000", std::string(64, 'b'), kNow).ok());
    ASSERT_TRUE(store_->Add("10.0.0.3:8000", "", kNow).ok());
  }

  std::vector<std::string> Addresses(const std::vector<PeerView>& views) {
    std::vector<std::string> out;
    for (const PeerView& v : views) out.push_back(v.record.address.ToString());
    return out;
  }

  std::unique_ptr<PeerStore> store_;
};

TEST_F(PeerStoreStandingsTest, WithoutReportsNothingChanges) {
  std::vector<PeerView> all = store_->List(false, kNow);
  ASSERT_EQ(all.size(), 3u);
  for (const PeerView& v : all) {
    EXPECT_TRUE(v.healthy);
    EXPECT_FALSE(v.banned_until.has_value());
    EXPECT_EQ(v.score, 0);
  }
  EXPECT_EQ(store_->Stats(kNow).healthy, 3);
}

TEST_F(PeerStoreStandingsTest, ABannedPeerIsMarkedAndNeverHealthy) {
  ASSERT_EQ(*store_->ReplaceStandings(
                {Ban("", Id('a'), kNow + absl::Hours(1))}, kNow),
            1);
  std::vector<PeerView> all = store_->List(false, kNow);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].record.address.ToString(), "10.0.0.1:8000");
  EXPECT_FALSE(all[0].healthy);
  EXPECT_EQ(all[0].banned_until, kNow + absl::Hours(1));
  EXPECT_EQ(all[0].ban_reason,
            "tampered data: FindValue value does not hash to its key");
  EXPECT_TRUE(all[1].healthy);

  // Not healthy: not listed as healthy (so never shared in an exchange),
  // not counted healthy; still counted as known.
  EXPECT_EQ(Addresses(store_->List(true, kNow)),
            (std::vector<std::string>{"10.0.0.2:8000", "10.0.0.3:8000"}));
  EXPECT_EQ(store_->Stats(kNow).total, 3);
  EXPECT_EQ(store_->Stats(kNow).healthy, 2);
  absl::StatusOr<PeerView> one = store_->Get("10.0.0.1:8000", kNow);
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->banned_until.has_value());
}

TEST_F(PeerStoreStandingsTest, ABanEndsAtItsTimeWithoutANewReport) {
  ASSERT_TRUE(store_->ReplaceStandings(
                        {Ban("10.0.0.2:8000", std::nullopt,
                             kNow + absl::Minutes(10))},
                        kNow)
                  .ok());
  EXPECT_EQ(store_->Stats(kNow).healthy, 2);
  const absl::Time later = kNow + absl::Minutes(10);
  EXPECT_EQ(store_->Stats(later).healthy, 3);
  for (const PeerView& v : store_->List(false, later)) {
    EXPECT_FALSE(v.banned_until.has_value());
  }
}

TEST_F(PeerStoreStandingsTest, SourceAddressBansMatchTheHost) {
  ReportedStanding by_source;
  by_source.source = "10.0.0.3";
  by_source.banned_until = kNow + absl::Hours(1);
  by_source.reason = "rate limited";
  ASSERT_TRUE(store_->ReplaceStandings({by_source}, kNow).ok());
  EXPECT_EQ(Addresses(store_->List(true, kNow)),
            (std::vector<std::string>{"10.0.0.1:8000", "10.0.0.2:8000"}));
}

TEST_F(PeerStoreStandingsTest, UnknownBannedAddressesAreListedToo) {
  ASSERT_TRUE(store_->ReplaceStandings(
                        {Ban("10.0.0.9:8000", Id('9'), kNow + absl::Hours(1)),
                         Ban("", Id('e'), kNow + absl::Hours(1))},
                        kNow)
                  .ok());
  std::vector<PeerView> all = store_->List(false, kNow);
  EXPECT_EQ(Addresses(all),
            (std::vector<std::string>{"10.0.0.1:8000", "10.0.0.2:8000",
                                      "10.0.0.3:8000", "10.0.0.9:8000"}));
  const PeerView& extra = all[3];
  EXPECT_FALSE(extra.healthy);
  EXPECT_TRUE(extra.banned_until.has_value());
  EXPECT_EQ(extra.record.node_id, Id('9'));
  EXPECT_EQ(extra.record.stats.success_count, 0);
  // Not a known peer: not counted, not healthy, found by GetPeer.
  EXPECT_EQ(store_->Stats(kNow).total, 3);
  EXPECT_EQ(store_->List(true, kNow).size(), 3u);
  EXPECT_TRUE(store_->Get("10.0.0.9:8000", kNow).ok());
  EXPECT_FALSE(store_->Get("10.0.0.8:8000", kNow).ok());
}

TEST_F(PeerStoreStandingsTest, SuspectsShowTheirScore) {
  ReportedStanding suspect;
  suspect.node_id = Id('b');
  suspect.score = -30;
  ASSERT_TRUE(store_->ReplaceStandings({suspect}, kNow).ok());
  std::vector<PeerView> all = store_->List(false, kNow);
  EXPECT_EQ(all[1].score, -30);
  EXPECT_TRUE(all[1].healthy);
  EXPECT_FALSE(all[1].banned_until.has_value());
  // A report that is not renewed stops showing scores.
  EXPECT_EQ(store_->List(false, kNow + kStandingsMaxAge)[1].score, -30);
  EXPECT_EQ(
      store_->List(false, kNow + kStandingsMaxAge + absl::Seconds(1))[1].score,
      0);
}

TEST_F(PeerStoreStandingsTest, EachReportReplacesThePreviousOne) {
  ASSERT_TRUE(
      store_
          ->ReplaceStandings({Ban("", Id('a'), kNow + absl::Hours(1))}, kNow)
          .ok());
  EXPECT_EQ(store_->Stats(kNow).healthy, 2);
  ASSERT_TRUE(store_->ReplaceStandings({}, kNow).ok());
  EXPECT_EQ(store_->Stats(kNow).healthy, 3);
}

TEST(PeerStandingsTest, ReportsAreCappedAndEmptyStandingsSkipped) {
  PeerStandings standings;
  std::vector<ReportedStanding> too_many(kMaxStandings + 1);
  EXPECT_EQ(standings.Replace(too_many, kNow).status().code(),
            absl::StatusCode::kResourceExhausted);
  ReportedStanding empty;
  EXPECT_EQ(*standings.Replace({empty}, kNow), 0);
}

TEST(PeerStandingsTest, SourceKeys) {
  EXPECT_EQ(SourceKeyOfHost("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(SourceKeyOfHost("2001:db8:1:2::7"), "2001:db8:1:2::/64");
  EXPECT_EQ(SourceKeyOfHost("node1.example"), "");
}

}  // namespace
}  // namespace datamgmt::peer_manager
