// The driver's timing, by stepping a FakeClock and calling Tick: bootstrap
// at start, exchange at 5 minutes (not before), re-bootstrap 30 s after the
// last peer is removed. Real gRPC to a fake PeerDialer; nothing sleeps.
#include "gtest/gtest.h"
#include "services/peer_manager/peer_manager_test_fixture.h"

namespace datamgmt::peer_manager {
namespace {

constexpr char kBoot[] = "10.0.0.7:8000";

class PeerManagerDriverTest : public PeerManagerFixture {
 protected:
  void Tick() { node_->driver().Tick(clock_.Now()); }
};

TEST_F(PeerManagerDriverTest, BootstrapsAtStartAndAddsTheAnsweringPeer) {
  dialer_.SetAnswer(kBoot, {.node_id = Hex('7')});
  StartNode(Options("10.0.0.7:8000,10.0.0.8:8000"));
  EXPECT_EQ(dialer_.total_pings(), 0);
  Tick();
  EXPECT_EQ(dialer_.pings(kBoot), 1);
  EXPECT_EQ(dialer_.pings("10.0.0.8:8000"), 1);
  // Only the one that answered is known, with its node ID.
  EXPECT_EQ(ListAddresses(), std::vector<std::string>{kBoot});
  EXPECT_EQ(node_->store().Get(kBoot, clock_.Now())->record.node_id->ToHex(),
            Hex('7'));
}

TEST_F(PeerManagerDriverTest, SelfIsDropped) {
  dialer_.SetAnswer(kBoot, {.node_id = Hex('7'), .is_self = true});
  StartNode(Options(kBoot));
  Tick();
  EXPECT_EQ(dialer_.pings(kBoot), 1);
  EXPECT_TRUE(ListAddresses().empty());
}

TEST_F(PeerManagerDriverTest, ExchangesEveryFiveMinutesNotBefore) {
  dialer_.SetAnswer(kBoot, {.node_id = Hex('7'),
                            .received = {"10.0.0.20:8000", "bad entry"}});
  StartNode(Options(kBoot));
  Tick();  // bootstrap, then the first exchange
  EXPECT_EQ(dialer_.exchanges(kBoot), 1);
  EXPECT_EQ(ListAddresses(),
            (std::vector<std::string>{"10.0.0.20:8000", kBoot}));

  clock_.Advance(absl::Minutes(5) - absl::Seconds(1));
  Tick();
  EXPECT_EQ(dialer_.exchanges(kBoot), 1);
  EXPECT_EQ(node_->store().NextWakeup(clock_.Now()),
            clock_.Now() + absl::Seconds(1));

  clock_.Advance(absl::Seconds(1));
  Tick();
  EXPECT_EQ(dialer_.exchanges(kBoot), 2);
  // The new peer is healthy (new-peer rule) and is asked too; each is
  // offered the other.
  EXPECT_EQ(dialer_.exchanges("10.0.0.20:8000"), 1);
  EXPECT_EQ(dialer_.shared(kBoot).back(),
            std::vector<std::string>{"10.0.0.20:8000"});
}

TEST_F(PeerManagerDriverTest, RebootstrapsThirtySecondsAfterLosingAllPeers) {
  dialer_.SetAnswer(kBoot, {.node_id = Hex('7')});
  StartNode(Options(kBoot));
  Tick();
  ASSERT_EQ(dialer_.pings(kBoot), 1);

  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(RemovePeer(kBoot).ok());
  EXPECT_TRUE(ListAddresses().empty());

  clock_.Advance(absl::Seconds(29));
  Tick();
  EXPECT_EQ(dialer_.pings(kBoot), 1);

  clock_.Advance(absl::Seconds(1));
  Tick();
  EXPECT_EQ(dialer_.pings(kBoot), 2);
  EXPECT_EQ(ListAddresses(), std::vector<std::string>{kBoot});
}

TEST_F(PeerManagerDriverTest, RetriesWithBackoffWhileBootstrapPeersAreDown) {
  StartNode(Options(kBoot));  // unscripted: the ping fails
  Tick();
  EXPECT_EQ(dialer_.pings(kBoot), 1);
  EXPECT_TRUE(ListAddresses().empty());
  // The first retry comes after rebootstrap_delay * 2, jittered by 10%.
  clock_.Advance(absl::Seconds(53));
  Tick();
  EXPECT_EQ(dialer_.pings(kBoot), 1);
  clock_.Advance(absl::Seconds(14));
  Tick();
  EXPECT_EQ(dialer_.pings(kBoot), 2);
}

TEST_F(PeerManagerDriverTest, RetriesSoonWhileItsOwnDhtServiceIsNotUpYet) {
  // Processes of a node start together: the first bootstrap may run before
  // the local dht-service listens. That is not a failed bootstrap (no
  // 30 s+ backoff): it is retried after dialer_retry_delay, 1 s.
  PeerManagerNodeOptions options = Options(kBoot);
  options.dht_api_address = "127.0.0.1:1";  // nothing listens there
  StartNode(std::move(options));
  const absl::Time t0 = clock_.Now();
  EXPECT_EQ(node_->driver().Tick(t0), t0 + absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  const absl::Time t1 = clock_.Now();
  EXPECT_EQ(node_->driver().Tick(t1), t1 + absl::Seconds(1))
      << "repeated deferrals must not grow into a backoff";
  EXPECT_EQ(dialer_.total_pings(), 0);
}

}  // namespace
}  // namespace datamgmt::peer_manager
