#include "services/dht/peer_guard.h"

#include <random>
#include <string>
#include <vector>

#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/peer_client.h"

namespace datamgmt::dht {
namespace {

using abuse::Offense;
using kademlia::Contact;
using kademlia::NodeId;

class PeerGuardTest : public ::testing::Test {
 protected:
  std::unique_ptr<PeerGuard> Make(PeerGuardOptions options = {}) {
    absl::StatusOr<std::unique_ptr<PeerGuard>> guard =
        PeerGuard::Create(clock_, std::move(options));
    EXPECT_TRUE(guard.ok()) << guard.status();
    (*guard)->AddBanListener(
        [this](const BanNotice& ban) { bans_.push_back(ban); });
    return *std::move(guard);
  }

  Contact Peer(std::string address = "203.0.113.7:8000") {
    return Contact{.id = NodeId::Random(gen_), .address = std::move(address)};
  }

  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::mt19937_64 gen_{7};
  std::vector<BanNotice> bans_;
};

TEST_F(PeerGuardTest, SourceOfReadsGrpcPeerStrings) {
  std::unique_ptr<PeerGuard> guard = Make();
  EXPECT_EQ(guard->SourceOf("ipv4:203.0.113.7:5000"), "203.0.113.7");
  EXPECT_EQ(guard->SourceOf("ipv6:[2001:db8:1:2::7]:5000"),
            "2001:db8:1:2::/64");
  EXPECT_EQ(guard->SourceOf("ipv6:%5B2001:db8:1:2::7%5D:5000"),
            "2001:db8:1:2::/64");
  EXPECT_EQ(guard->SourceOf("ipv6:[::ffff:203.0.113.7]:5000"), "203.0.113.7");
  EXPECT_EQ(guard->SourceOf("unix:/tmp/socket"), "");
  EXPECT_EQ(guard->SourceOf("garbage"), "");
  // Loopback is exempt unless asked for.
  EXPECT_EQ(guard->SourceOf("ipv4:127.0.0.1:5000"), "");
  EXPECT_EQ(guard->SourceOf("ipv6:[::1]:5000"), "");
  std::unique_ptr<PeerGuard> strict = Make({.limit_loopback = true});
  EXPECT_EQ(strict->SourceOf("ipv4:127.0.0.1:5000"), "127.0.0.1");
  EXPECT_EQ(guard->SourceOfHost("node1.example"), "");
}

TEST_F(PeerGuardTest, AFloodingPeerIsThrottledThenBanned) {
  PeerGuardOptions options;
  options.per_peer.bucket = {.rate_per_second = 10, .burst = 20};
  std::unique_ptr<PeerGuard> guard = Make(options);
  const Contact flooder = Peer();
  const std::string source = "203.0.113.7";
  // The burst is served.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(guard->AdmitSender(flooder, source).ok()) << i;
  }
  // Then requests are refused with RESOURCE_EXHAUSTED...
  int throttled = 0;
  absl::Status s;
  while ((s = guard->AdmitSender(flooder, source)).code() ==
             absl::StatusCode::kResourceExhausted &&
         throttled < 1000) {
    ++throttled;
  }
  // ... until the score reaches the ban threshold (1 point each, 100).
  EXPECT_EQ(throttled, 100);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied) << s;
  EXPECT_TRUE(guard->IsBanned(flooder.id));
  // The node ID and its source address were both charged and both banned,
  // each announced once.
  ASSERT_EQ(bans_.size(), 2u);
  EXPECT_EQ(bans_[0].id, flooder.id);
  EXPECT_EQ(bans_[0].address, flooder.address);
  EXPECT_EQ(bans_[1].source, source);
  EXPECT_NE(bans_[0].reason.find("rate limited"), std::string::npos);
  EXPECT_EQ(bans_[0].until, clock_.Now() + absl::Hours(1));
  // A new ID from the same address is refused too.
  EXPECT_EQ(guard->AdmitSource(source).code(),
            absl::StatusCode::kPermissionDenied);
  const PeerGuardStats stats = guard->stats();
  EXPECT_EQ(stats.peers_banned, 2u);
  EXPECT_EQ(stats.bans_total, 2u);
  EXPECT_EQ(stats.requests_throttled, 100u);
  EXPECT_GE(stats.requests_refused_banned, 2u);
}

TEST_F(PeerGuardTest, APeerWithinTheRateIsNeverThrottled) {
  std::unique_ptr<PeerGuard> guard = Make();  // 200/s, bursts of 400
  const Contact peer = Peer();
  // 150 requests a second for a minute.
  for (int i = 0; i < 150 * 60; ++i) {
    ASSERT_TRUE(guard->AdmitSender(peer, "203.0.113.7").ok()) << i;
    ASSERT_TRUE(guard->AdmitSource("203.0.113.7").ok()) << i;
    clock_.Advance(absl::Seconds(1) / 150);
  }
  EXPECT_EQ(guard->stats().requests_throttled, 0u);
}

TEST_F(PeerGuardTest, AnExemptSourceIsNotRateLimited) {
  PeerGuardOptions options;
  options.per_peer.bucket = {.rate_per_second = 1, .burst = 1};
  std::unique_ptr<PeerGuard> guard = Make(options);
  const Contact local = Peer("127.0.0.1:8000");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(guard->AdmitSource("").ok());
    ASSERT_TRUE(guard->AdmitSender(local, "").ok());
  }
}

TEST_F(PeerGuardTest, AFloodFromOneAddressUnderManyIdsIsBannedByAddress) {
  PeerGuardOptions options;
  options.per_source.bucket = {.rate_per_second = 10, .burst = 10};
  std::unique_ptr<PeerGuard> guard = Make(options);
  int refused = 0;
  for (int i = 0; i < 1000 && guard->AdmitSource("2001:db8::/64").code() !=
                                  absl::StatusCode::kPermissionDenied;
       ++i) {
    ++refused;
  }
  EXPECT_EQ(refused, 10 + 100);
  ASSERT_EQ(bans_.size(), 1u);
  EXPECT_EQ(bans_[0].source, "2001:db8::/64");
  EXPECT_FALSE(bans_[0].id.has_value());
  // Dialling an address in the banned network is refused.
  EXPECT_EQ(guard->CheckDial("[2001:db8::99]:8000", std::nullopt).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(guard->CheckDial("[2001:db8:0:1::99]:8000", std::nullopt).ok());
}

TEST_F(PeerGuardTest, ATamperedAnswerBansTheResponderAtOnce) {
  std::unique_ptr<PeerGuard> guard = Make();
  const Contact liar = Peer("node7.example:8000");
  // It was a good peer.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(guard->JudgeAnswer(liar.address, liar.id, liar).ok());
  }
  absl::Status tampered = absl::DataLossError("bytes of another hash");
  EXPECT_EQ(guard->JudgeAnswer(liar.address, liar.id, tampered), tampered);
  EXPECT_TRUE(guard->IsBanned(liar.id));
  ASSERT_EQ(bans_.size(), 1u);
  EXPECT_EQ(bans_[0].id, liar.id);
  EXPECT_NE(bans_[0].reason.find("tampered data"), std::string::npos);
  // Never dialled again, and its answers are refused even by address.
  EXPECT_EQ(guard->CheckDial(liar.address, liar.id).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(guard->JudgeAnswer(liar.address, std::nullopt, liar).code(),
            absl::StatusCode::kPermissionDenied);
  // Others are unaffected.
  const Contact honest = Peer("node8.example:8000");
  EXPECT_TRUE(guard->CheckDial(honest.address, honest.id).ok());
}

TEST_F(PeerGuardTest, MalformedAnswersAndUnexpectedRespondersAddUp) {
  std::unique_ptr<PeerGuard> guard = Make();
  const Contact peer = Peer("node1.example:8000");
  const absl::Status malformed = absl::InvalidArgumentError("malformed");
  for (int i = 0; i < 9; ++i) {
    guard->JudgeAnswer(peer.address, peer.id, malformed).IgnoreError();
  }
  EXPECT_FALSE(guard->IsBanned(peer.id));
  guard->JudgeAnswer(peer.address, peer.id, malformed).IgnoreError();
  EXPECT_TRUE(guard->IsBanned(peer.id));

  const Contact moved = Peer("node2.example:8000");
  const absl::Status other = absl::FailedPreconditionError("another node");
  for (int i = 0; i < 19; ++i) {
    guard->JudgeAnswer(moved.address, moved.id, other).IgnoreError();
  }
  EXPECT_FALSE(guard->IsBanned(moved.id));
  guard->JudgeAnswer(moved.address, moved.id, other).IgnoreError();
  EXPECT_TRUE(guard->IsBanned(moved.id));

  // Dialling ourselves and transport errors are no offense.
  const Contact self = Peer("node3.example:8000");
  for (int i = 0; i < 200; ++i) {
    guard->JudgeAnswer(self.address, self.id, DialledSelfError(self.address))
        .IgnoreError();
    guard->JudgeAnswer(self.address, self.id, absl::UnavailableError("down"))
        .IgnoreError();
  }
  EXPECT_FALSE(guard->IsBanned(self.id));
}

TEST_F(PeerGuardTest, BansEndAfterTheirDuration) {
  PeerGuardOptions options;
  options.scores.ban_duration = absl::Minutes(30);
  std::unique_ptr<PeerGuard> guard = Make(options);
  const Contact peer = Peer();
  guard->Penalize({.id = peer.id}, Offense::kTamperedData, "x");
  EXPECT_EQ(guard->AdmitSender(peer, "").code(),
            absl::StatusCode::kPermissionDenied);
  clock_.Advance(absl::Minutes(29));
  EXPECT_TRUE(guard->IsBanned(peer.id));
  clock_.Advance(absl::Minutes(1));
  EXPECT_FALSE(guard->IsBanned(peer.id));
  EXPECT_TRUE(guard->AdmitSender(peer, "").ok());
  EXPECT_EQ(guard->stats().peers_banned, 0u);
  guard->ExpireBans();
  EXPECT_TRUE(guard->Standings(10).empty());
}

TEST_F(PeerGuardTest, StandingsListBansThenSuspects) {
  std::unique_ptr<PeerGuard> guard = Make();
  const Contact banned = Peer("10.0.0.1:8000");
  const Contact suspect = Peer("10.0.0.2:8000");
  guard->Penalize({.id = banned.id, .address = banned.address},
                  Offense::kTamperedData, "value does not hash to key");
  guard->Penalize({.id = suspect.id, .address = suspect.address},
                  Offense::kMalformedMessage, "bad key");
  std::vector<PeerStanding> standings = guard->Standings(10);
  ASSERT_EQ(standings.size(), 2u);
  EXPECT_EQ(standings[0].id, banned.id);
  EXPECT_EQ(standings[0].address, banned.address);
  EXPECT_EQ(standings[0].banned_until, clock_.Now() + absl::Hours(1));
  EXPECT_EQ(standings[0].reason,
            "tampered data: value does not hash to key");
  EXPECT_EQ(standings[1].id, suspect.id);
  EXPECT_EQ(standings[1].score, -10);
  EXPECT_FALSE(standings[1].banned_until.has_value());
  EXPECT_EQ(guard->Standings(1).size(), 1u);
}

TEST_F(PeerGuardTest, OptionsValidate) {
  EXPECT_TRUE(PeerGuardOptions{}.Validate().ok());
  PeerGuardOptions bad;
  bad.per_peer.bucket.rate_per_second = 0;
  EXPECT_FALSE(bad.Validate().ok());
  EXPECT_FALSE(PeerGuard::Create(clock_, bad).ok());
  bad = {};
  bad.scores.ban_duration = absl::ZeroDuration();
  EXPECT_FALSE(bad.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::dht
