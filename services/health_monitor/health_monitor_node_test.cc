// The whole health-monitor in-process against fake peer-manager and
// PeerDialer servers on loopback, with a FakeClock stepped by the test. The
// driver is ticked by hand; rounds are awaited by polling with a deadline.
#include "services/health_monitor/health_monitor_node.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/time/clock.h"
#include "datamgmt/health/v1/health_monitor.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/health_monitor/test_fakes.h"

namespace datamgmt::health {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'700'000'000);
double Ago(absl::Duration d) {
  return absl::ToDoubleSeconds(kStart - d - absl::UnixEpoch());
}

class HealthMonitorNodeTest : public ::testing::Test {
 protected:
  void StartNode(const std::string& pm_address) {
    HealthMonitorNodeOptions options;
    options.listen_address = "127.0.0.1:0";
    options.peer_manager_address = pm_address;
    options.dht_api_address = dialer_->address();
    options.clock = &clock_;
    options.run_driver_thread = false;
    options.shutdown_grace = absl::Seconds(1);
    node_ = *HealthMonitorNode::Start(options);
    stub_ = v1::HealthMonitor::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", node_->port()),
                            grpc::InsecureChannelCredentials()));
  }
  v1::MonitorStatus Status() {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    v1::MonitorStatus status;
    EXPECT_TRUE(stub_->GetStatus(&ctx, {}, &status).ok());
    return status;
  }
  // Polls GetStatus until `rounds` rounds have finished.
  v1::MonitorStatus AwaitRounds(uint64_t rounds) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    v1::MonitorStatus s = Status();
    while (s.rounds_completed() < rounds && absl::Now() < deadline) {
      s = Status();
    }
    EXPECT_EQ(s.rounds_completed(), rounds);
    return s;
  }

  FakeClock clock_{kStart};
  std::unique_ptr<FakePeerManager> pm_ = *FakePeerManager::Start();
  std::unique_ptr<FakePeerDialer> dialer_ = *FakePeerDialer::Start();
  std::unique_ptr<HealthMonitorNode> node_;
  std::unique_ptr<v1::HealthMonitor::Stub> stub_;
};

TEST_F(HealthMonitorNodeTest, DriverRunsARoundAtSixtySecondsNotBefore) {
  pm_->SetPeers({FakePeerManager::MakePeer("a:1", Ago(absl::Minutes(5)))});
  dialer_->SetBehavior("a:1", PingBehavior::kSuccess);
  StartNode(pm_->address());
  v1::MonitorStatus s = Status();
  EXPECT_EQ(s.interval().seconds(), 60);
  EXPECT_EQ(s.unresponsive_after().seconds(), 60);
  EXPECT_EQ(s.prune_age().seconds(), 3600);
  EXPECT_EQ(s.next_run_time().seconds(), absl::ToUnixSeconds(kStart) + 60);
  EXPECT_FALSE(s.has_last_round());

  clock_.Advance(absl::Seconds(59));
  EXPECT_EQ(node_->Tick(), kStart + absl::Seconds(60));
  EXPECT_EQ(Status().rounds_completed(), 0u);
  EXPECT_EQ(pm_->list_calls(), 0);

  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(node_->Tick(), kStart + absl::Seconds(120));
  s = AwaitRounds(1);
  EXPECT_EQ(s.last_round().peers_checked(), 1u);
  EXPECT_EQ(s.last_round().peers_pinged(), 1u);
  EXPECT_FALSE(s.last_round().manual());
  EXPECT_EQ(s.next_run_time().seconds(), absl::ToUnixSeconds(kStart) + 120);
}

TEST_F(HealthMonitorNodeTest, PeerManagerDownIsRecordedAndTheLoopGoesOn) {
  StartNode("127.0.0.1:1");  // nothing listens there
  clock_.Advance(absl::Seconds(60));
  node_->Tick();
  v1::MonitorStatus s = AwaitRounds(1);
  EXPECT_EQ(s.last_round().error().code(), grpc::StatusCode::UNAVAILABLE);
  clock_.Advance(absl::Seconds(60));
  node_->Tick();
  s = AwaitRounds(2);
  EXPECT_EQ(s.last_round().error().code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(HealthMonitorNodeTest, RunCheckReturnsTheRound) {
  pm_->SetPeers({FakePeerManager::MakePeer("dead:1", Ago(absl::Hours(2))),
                 FakePeerManager::MakePeer("ok:1", Ago(absl::Minutes(2)))});
  dialer_->SetBehavior("ok:1", PingBehavior::kSuccess);
  StartNode(pm_->address());
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::CheckRound round;
  ASSERT_TRUE(stub_->RunCheck(&ctx, {}, &round).ok());
  EXPECT_TRUE(round.manual());
  EXPECT_EQ(round.peers_checked(), 2u);
  EXPECT_EQ(round.peers_pinged(), 2u);
  EXPECT_EQ(round.peers_failed(), 1u);
  EXPECT_EQ(round.peers_pruned(), 1u);
  ASSERT_EQ(round.pruned_addresses_size(), 1);
  EXPECT_EQ(round.pruned_addresses(0), "dead:1");
  EXPECT_EQ(round.start_time().seconds(), absl::ToUnixSeconds(kStart));
  EXPECT_FALSE(round.has_error());
  v1::MonitorStatus s = Status();
  EXPECT_EQ(s.rounds_completed(), 1u);
  EXPECT_TRUE(s.last_round().manual());
}

TEST_F(HealthMonitorNodeTest, RunCheckWithPeerManagerDownIsUnavailable) {
  StartNode("127.0.0.1:1");
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::CheckRound round;
  EXPECT_EQ(stub_->RunCheck(&ctx, {}, &round).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Status().last_round().error().code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(HealthMonitorNodeTest, ConcurrentRunChecksShareOneRound) {
  pm_->SetPeers({FakePeerManager::MakePeer("slow:1", Ago(absl::Minutes(2)))});
  dialer_->SetBehavior("slow:1", PingBehavior::kHang);
  StartNode(pm_->address());
  // The hanging ping keeps the first round open for ping_timeout + 1 s.
  v1::CheckRound a, b;
  grpc::ClientContext ctx_a, ctx_b;
  ctx_a.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  ctx_b.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  grpc::Status status_a, status_b;
  std::thread other([&] { status_b = stub_->RunCheck(&ctx_b, {}, &b); });
  status_a = stub_->RunCheck(&ctx_a, {}, &a);
  other.join();
  ASSERT_TRUE(status_a.ok());
  ASSERT_TRUE(status_b.ok());
  // Either both joined one round, or the second started after the first
  // ended; every finished round listed the peers exactly once.
  EXPECT_EQ(Status().rounds_completed(),
            static_cast<uint64_t>(pm_->list_calls()));
}

}  // namespace
}  // namespace datamgmt::health
