#include "services/dht/standing_reporter.h"

#include <memory>
#include <random>
#include <vector>

#include "absl/time/clock.h"
#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

class StandingReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FakePeerManager>> pm =
        FakePeerManager::Start();
    ASSERT_TRUE(pm.ok()) << pm.status();
    pm_ = *std::move(pm);
    stub_ = pm_->NewStub();
    guard_ = *PeerGuard::Create(clock_, {});
    reporter_ = *StandingReporter::Create(*stub_, *guard_, clock_, {});
    guard_->AddBanListener([this](const BanNotice&) { reporter_->Changed(); });
  }

  // Reports received so far, once no call is in flight.
  std::vector<peers::v1::ReportPeerStandingsRequest> Reports() {
    reporter_->WaitIdle();
    return pm_->standing_reports();
  }

  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::mt19937_64 gen_{5};
  std::unique_ptr<FakePeerManager> pm_;
  std::unique_ptr<peers::v1::PeerManager::Stub> stub_;
  std::unique_ptr<PeerGuard> guard_;
  std::unique_ptr<StandingReporter> reporter_;
};

TEST_F(StandingReporterTest, FirstFlushClearsWhatAnEarlierRunReported) {
  reporter_->Flush(clock_.Now());
  ASSERT_EQ(Reports().size(), 1u);
  EXPECT_EQ(Reports()[0].standings_size(), 0);
  // Nothing to say afterwards.
  EXPECT_EQ(reporter_->Flush(clock_.Now()), absl::InfiniteFuture());
  clock_.Advance(absl::Hours(1));
  reporter_->Flush(clock_.Now());
  EXPECT_EQ(Reports().size(), 1u);
}

TEST_F(StandingReporterTest, ABanIsSentAtOnceThenRefreshedUntilItEnds) {
  reporter_->Flush(clock_.Now());
  ASSERT_EQ(Reports().size(), 1u);
  const NodeId bad = NodeId::Random(gen_);
  guard_->Penalize({.id = bad, .address = "10.0.0.7:8000"},
                   abuse::Offense::kTamperedData, "value of another hash");
  std::vector<peers::v1::ReportPeerStandingsRequest> reports = Reports();
  ASSERT_EQ(reports.size(), 2u) << "sent at once, without a Flush";
  ASSERT_EQ(reports[1].standings_size(), 1);
  const peers::v1::PeerStanding& s = reports[1].standings(0);
  EXPECT_EQ(s.node_id(), bad.ToHex());
  EXPECT_EQ(s.address(), "10.0.0.7:8000");
  EXPECT_EQ(s.banned_until().seconds(),
            absl::ToUnixSeconds(clock_.Now() + absl::Hours(1)));
  EXPECT_EQ(s.ban_reason(), "tampered data: value of another hash");

  // Resent every minute while it lasts...
  EXPECT_EQ(reporter_->Flush(clock_.Now()), clock_.Now() + absl::Minutes(1));
  clock_.Advance(absl::Minutes(1));
  reporter_->Flush(clock_.Now());
  EXPECT_EQ(Reports().size(), 3u);
  // ... and once more, empty, after it ended; then nothing.
  clock_.Advance(absl::Hours(1));
  reporter_->Flush(clock_.Now());
  reports = Reports();
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_EQ(reports[3].standings_size(), 0);
  clock_.Advance(absl::Minutes(1));
  reporter_->Flush(clock_.Now());
  EXPECT_EQ(Reports().size(), 4u);
}

TEST_F(StandingReporterTest, AFailedSendIsRetriedAfterTheDelay) {
  pm_.reset();  // peer-manager is down
  reporter_->Flush(clock_.Now());
  reporter_->WaitIdle();
  EXPECT_EQ(reporter_->reports_sent(), 0u);
  EXPECT_EQ(reporter_->Flush(clock_.Now()), clock_.Now() + absl::Seconds(5));
}

TEST(StandingReporterOptionsTest, Validate) {
  EXPECT_TRUE(StandingReporterOptions{}.Validate().ok());
  EXPECT_FALSE(StandingReporterOptions{.max_standings = 0}.Validate().ok());
  EXPECT_FALSE(StandingReporterOptions{.max_standings = 1001}.Validate().ok());
  EXPECT_FALSE(
      StandingReporterOptions{.refresh_interval = absl::ZeroDuration()}
          .Validate()
          .ok());
}

}  // namespace
}  // namespace datamgmt::dht
