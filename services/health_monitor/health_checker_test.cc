// HealthChecker over real gRPC on loopback against fake peer-manager and
// PeerDialer servers. Rounds are awaited with deadlines, never by sleeping.
#include "services/health_monitor/health_checker.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <memory>
#include <string>

#include "absl/synchronization/notification.h"
#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/health_monitor/test_fakes.h"

namespace datamgmt::health {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);
double Ago(absl::Duration d) {
  return absl::ToDoubleSeconds(kNow - d - absl::UnixEpoch());
}

class HealthCheckerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pm_ = *FakePeerManager::Start();
    dialer_ = *FakePeerDialer::Start();
    Connect(pm_->address());
  }
  void Connect(const std::string& pm_address) {
    pm_stub_ = peers::v1::PeerManager::NewStub(
        grpc::CreateChannel(pm_address, grpc::InsecureChannelCredentials()));
    dialer_stub_ = dht::v1::PeerDialer::NewStub(grpc::CreateChannel(
        dialer_->address(), grpc::InsecureChannelCredentials()));
  }
  RoundResult RunRound(HealthCheckerOptions options = {}) {
    HealthChecker checker(*pm_stub_, *dialer_stub_, clock_, options);
    absl::Notification done;
    RoundResult out;
    checker.Run(false, [&](RoundResult r) {
      out = std::move(r);
      done.Notify();
    });
    EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(20)));
    return out;
  }

  FakeClock clock_{kNow};
  std::unique_ptr<FakePeerManager> pm_;
  std::unique_ptr<FakePeerDialer> dialer_;
  std::unique_ptr<peers::v1::PeerManager::Stub> pm_stub_;
  std::unique_ptr<dht::v1::PeerDialer::Stub> dialer_stub_;
};

TEST_F(HealthCheckerTest, PingsStalePeersRecordsOneBatchPrunesDead) {
  pm_->SetPeers({
      FakePeerManager::MakePeer("fresh:1", Ago(absl::Seconds(30))),
      FakePeerManager::MakePeer("edge:1", Ago(absl::Seconds(60))),
      FakePeerManager::MakePeer("stale-ok:1", Ago(absl::Minutes(2))),
      FakePeerManager::MakePeer("stale-bad:1", Ago(absl::Minutes(2))),
      FakePeerManager::MakePeer("dead-bad:1", Ago(absl::Hours(2))),
      FakePeerManager::MakePeer("dead-ok:1", Ago(absl::Hours(2))),
  });
  dialer_->SetBehavior("stale-ok:1", PingBehavior::kSuccess);
  dialer_->SetBehavior("dead-ok:1", PingBehavior::kSuccess);

  RoundResult r = RunRound();
  EXPECT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.started_at, kNow);
  EXPECT_EQ(r.checked, 6u);
  EXPECT_EQ(r.pinged, 4u);
  EXPECT_EQ(r.failed, 2u);
  EXPECT_EQ(r.pruned, 1u);
  EXPECT_EQ(r.pruned_addresses, std::vector<std::string>{"dead-bad:1"});

  std::vector<std::string> pinged = dialer_->pinged();
  std::sort(pinged.begin(), pinged.end());
  EXPECT_EQ(pinged, (std::vector<std::string>{"dead-bad:1", "dead-ok:1",
                                              "stale-bad:1", "stale-ok:1"}));
  auto records = pm_->record_requests();
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].results_size(), 4);
  for (const peers::v1::ContactResult& c : records[0].results()) {
    EXPECT_EQ(c.source(), peers::v1::PEER_SOURCE_HEALTH_CHECK);
    const bool ok = c.address() == "stale-ok:1" || c.address() == "dead-ok:1";
    EXPECT_EQ(c.success(), ok) << c.address();
    if (ok) {
      EXPECT_EQ(c.rtt().nanos(), 7'000'000);
      EXPECT_EQ(c.node_id(), std::string(64, 'a'));
    } else {
      EXPECT_EQ(c.error().code(), grpc::StatusCode::UNAVAILABLE);
    }
  }
  auto removes = pm_->remove_requests();
  ASSERT_EQ(removes.size(), 1u);
  EXPECT_EQ(removes[0].address(), "dead-bad:1");
  EXPECT_DOUBLE_EQ(removes[0].last_seen_before(), Ago(absl::Hours(1)));
}

TEST_F(HealthCheckerTest, PeerSeenSinceTheListingIsKept) {
  // Listed as dead, but peer-manager heard from it after the round began:
  // RemovePeer's last_seen_before precondition keeps it.
  pm_->SetPeers({FakePeerManager::MakePeer("dead:1", Ago(-absl::Seconds(1)))});
  pm_->SetListedPeers(
      {FakePeerManager::MakePeer("dead:1", Ago(absl::Hours(2)))});
  RoundResult r = RunRound();
  EXPECT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.pruned, 0u);
  ASSERT_EQ(pm_->remove_requests().size(), 1u);
  EXPECT_EQ(pm_->peers().size(), 1u);
}

TEST_F(HealthCheckerTest, HangingPeerFailsAtItsDeadlineWithoutStalling) {
  std::vector<peers::v1::Peer> peers;
  for (int i = 0; i < 6; ++i) {
    const std::string address = "p" + std::to_string(i) + ":1";
    peers.push_back(FakePeerManager::MakePeer(address, Ago(absl::Minutes(5))));
    dialer_->SetBehavior(address, PingBehavior::kSuccess);
  }
  dialer_->SetBehavior("p0:1", PingBehavior::kHang);
  dialer_->SetBehavior("p1:1", PingBehavior::kHang);
  pm_->SetPeers(peers);
  const absl::Time real_start = absl::Now();
  HealthCheckerOptions options;
  options.ping_timeout = absl::Milliseconds(100);
  options.max_concurrent_pings = 2;
  RoundResult r = RunRound(options);
  EXPECT_LT(absl::Now() - real_start, absl::Seconds(5));
  EXPECT_TRUE(r.error.ok()) << r.error;
  EXPECT_EQ(r.pinged, 6u);
  EXPECT_EQ(r.failed, 2u);
  EXPECT_EQ(dialer_->pinged().size(), 6u);
  // The fake counts a hanging call until the server sees its cancellation,
  // which can trail the client's deadline by a moment: allow one extra.
  EXPECT_LE(dialer_->max_in_flight(), 3);
  auto records = pm_->record_requests();
  ASSERT_EQ(records.size(), 1u);
  int deadline_failures = 0;
  for (const auto& c : records[0].results()) {
    if (c.error().code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      ++deadline_failures;
    }
  }
  EXPECT_EQ(deadline_failures, 2);
}

TEST_F(HealthCheckerTest, SelfAddressIsRemovedNotRecorded) {
  pm_->SetPeers({FakePeerManager::MakePeer("me:1", Ago(absl::Minutes(5)))});
  dialer_->SetBehavior("me:1", PingBehavior::kSelf);
  RoundResult r = RunRound();
  EXPECT_TRUE(r.error.ok());
  EXPECT_EQ(r.pruned, 1u);
  EXPECT_TRUE(pm_->record_requests().empty());
  auto removes = pm_->remove_requests();
  ASSERT_EQ(removes.size(), 1u);
  EXPECT_EQ(removes[0].last_seen_before(), 0.0);
}

TEST_F(HealthCheckerTest, PeerManagerDownAbortsTheRound) {
  Connect("127.0.0.1:1");  // nothing listens there
  RoundResult r = RunRound();
  EXPECT_EQ(r.error.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(r.checked, 0u);
  EXPECT_TRUE(dialer_->pinged().empty());
}

TEST_F(HealthCheckerTest, NothingStaleMeansNoCalls) {
  pm_->SetPeers({FakePeerManager::MakePeer("a:1", Ago(absl::Seconds(1)))});
  RoundResult r = RunRound();
  EXPECT_TRUE(r.error.ok());
  EXPECT_EQ(r.checked, 1u);
  EXPECT_EQ(r.pinged, 0u);
  EXPECT_TRUE(pm_->record_requests().empty());
  EXPECT_TRUE(pm_->remove_requests().empty());
}

}  // namespace
}  // namespace datamgmt::health
