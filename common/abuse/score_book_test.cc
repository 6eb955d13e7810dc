#include "common/abuse/score_book.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace datamgmt::abuse {
namespace {

class ScoreBookTest : public ::testing::Test {
 protected:
  // Time is stepped by hand: the book never reads a clock.
  absl::Time now() const { return now_; }
  void Advance(absl::Duration d) { now_ += d; }
  absl::Time now_ = absl::FromUnixSeconds(1'700'000'000);
};

TEST_F(ScoreBookTest, UnknownKeysAreNeutralAndNotBanned) {
  ScoreBook book({});
  EXPECT_EQ(book.Score("id:a", now()), 0);
  EXPECT_FALSE(book.IsBanned("id:a", now()));
  EXPECT_TRUE(book.Bans(now()).empty());
}

TEST_F(ScoreBookTest, BannedAfterTheThresholdIsReached) {
  ScoreBook book({});  // malformed message: 10 points, threshold 100
  for (int i = 1; i < 10; ++i) {
    Verdict v = book.Penalize("id:a", Offense::kMalformedMessage, now(),
                              "bad key", "10.0.0.7:8000");
    EXPECT_FALSE(v.banned) << i;
    EXPECT_DOUBLE_EQ(v.score, -10.0 * i);
  }
  EXPECT_FALSE(book.IsBanned("id:a", now()));
  Verdict tenth =
      book.Penalize("id:a", Offense::kMalformedMessage, now(), "bad key");
  EXPECT_TRUE(tenth.banned);
  EXPECT_TRUE(tenth.newly_banned);
  ASSERT_TRUE(tenth.ban.has_value());
  EXPECT_EQ(tenth.ban->until, now() + absl::Hours(1));
  EXPECT_EQ(tenth.ban->reason, "malformed message: bad key");
  EXPECT_EQ(tenth.ban->label, "10.0.0.7:8000");
  EXPECT_TRUE(book.IsBanned("id:a", now()));

  // A further offense is reported as banned, but not newly.
  Verdict again =
      book.Penalize("id:a", Offense::kMalformedMessage, now(), "bad key");
  EXPECT_TRUE(again.banned);
  EXPECT_FALSE(again.newly_banned);
  ASSERT_EQ(book.Bans(now()).size(), 1u);
  EXPECT_EQ(book.Bans(now())[0].key, "id:a");
}

TEST_F(ScoreBookTest, OneTamperedValueBansEvenAPeerWithCredit) {
  ScoreBook book({});
  for (int i = 0; i < 100; ++i) book.Reward("id:a", now());
  EXPECT_DOUBLE_EQ(book.Score("id:a", now()), 10);  // max_score
  Verdict v = book.Penalize("id:a", Offense::kTamperedData, now(),
                            "value does not hash to key");
  EXPECT_TRUE(v.newly_banned);
}

TEST_F(ScoreBookTest, RateLimitedRequestsBanAFloodAfterAboutAHundred) {
  ScoreBook book({});
  int refused = 0;
  while (!book.IsBanned("ip:203.0.113.9", now()) && refused < 1000) {
    book.Penalize("ip:203.0.113.9", Offense::kRateLimited, now(), "flood");
    ++refused;
  }
  EXPECT_EQ(refused, 100);
}

TEST_F(ScoreBookTest, BanEndsAfterItsDurationAndTheKeyStartsNeutral) {
  ScoreBook book({.ban_duration = absl::Minutes(30)});
  book.Penalize("id:a", Offense::kTamperedData, now(), "x");
  ASSERT_TRUE(book.IsBanned("id:a", now()));
  Advance(absl::Minutes(30) - absl::Seconds(1));
  EXPECT_TRUE(book.IsBanned("id:a", now()));
  Advance(absl::Seconds(1));
  EXPECT_FALSE(book.IsBanned("id:a", now()));
  EXPECT_TRUE(book.Bans(now()).empty());
  std::vector<Ban> ended = book.ExpireBans(now());
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].key, "id:a");
  EXPECT_EQ(book.bans_held(), 0u);
  EXPECT_EQ(book.Score("id:a", now()), 0);
  // One malformed message after the ban does not ban again.
  EXPECT_FALSE(
      book.Penalize("id:a", Offense::kMalformedMessage, now(), "x").banned);
}

TEST_F(ScoreBookTest, ScoresDecayTowardNeutral) {
  ScoreBook book({.half_life = absl::Minutes(10)});
  book.Penalize("id:a", Offense::kProtocolViolation, now(), "x");  // -25
  book.Penalize("id:a", Offense::kProtocolViolation, now(), "x");  // -50
  Advance(absl::Minutes(10));
  EXPECT_NEAR(book.Score("id:a", now()), -25, 1e-9);
  Advance(absl::Minutes(10));
  EXPECT_NEAR(book.Score("id:a", now()), -12.5, 1e-9);
  // Spread-out faults never add up to a ban: -25 every 10 minutes settles
  // at -50.
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(
        book.Penalize("id:a", Offense::kProtocolViolation, now(), "x").banned)
        << i;
    Advance(absl::Minutes(10));
  }
  // The same faults in quick succession do.
  for (int i = 0; i < 4; ++i) {
    book.Penalize("id:b", Offense::kProtocolViolation, now(), "x");
  }
  EXPECT_TRUE(book.IsBanned("id:b", now()));
}

TEST_F(ScoreBookTest, GoodExchangesRestoreSlowlyUpToMaxScore) {
  ScoreBook book({.good_exchange_reward = 1, .max_score = 10});
  book.Penalize("id:a", Offense::kMalformedMessage, now(), "x");  // -10
  for (int i = 0; i < 5; ++i) book.Reward("id:a", now());
  EXPECT_DOUBLE_EQ(book.Score("id:a", now()), -5);
  for (int i = 0; i < 50; ++i) book.Reward("id:a", now());
  EXPECT_DOUBLE_EQ(book.Score("id:a", now()), 10);
}

TEST_F(ScoreBookTest, RewardsDoNotShortenABan) {
  ScoreBook book({});
  book.Penalize("id:a", Offense::kTamperedData, now(), "x");
  for (int i = 0; i < 1000; ++i) book.Reward("id:a", now());
  EXPECT_TRUE(book.IsBanned("id:a", now()));
}

TEST_F(ScoreBookTest, SuspectsAreTheLowestNegativeScores) {
  ScoreBook book({});
  book.Penalize("id:a", Offense::kMalformedMessage, now(), "x", "a:1");
  book.Penalize("id:b", Offense::kProtocolViolation, now(), "x", "b:1");
  book.Reward("id:c", now());
  book.Penalize("id:d", Offense::kTamperedData, now(), "x");  // banned
  std::vector<Suspect> suspects = book.Suspects(now(), 10);
  ASSERT_EQ(suspects.size(), 2u);
  EXPECT_EQ(suspects[0].key, "id:b");
  EXPECT_DOUBLE_EQ(suspects[0].score, -25);
  EXPECT_EQ(suspects[0].label, "b:1");
  EXPECT_EQ(suspects[1].key, "id:a");
  EXPECT_EQ(book.Suspects(now(), 1).size(), 1u);
}

TEST_F(ScoreBookTest, MemoryIsBounded) {
  ScoreBook book({.max_tracked = 5, .max_bans = 3});
  for (int i = 0; i < 100; ++i) {
    book.Penalize(absl::StrCat("id:", i), Offense::kRateLimited, now(), "x");
    ASSERT_LE(book.tracked(), 5u);
  }
  // Bans beyond capacity lift the one ending soonest.
  for (int i = 0; i < 5; ++i) {
    book.Penalize(absl::StrCat("ban:", i), Offense::kTamperedData, now(), "x");
    Advance(absl::Seconds(1));
    ASSERT_LE(book.bans_held(), 3u);
  }
  EXPECT_FALSE(book.IsBanned("ban:0", now()));
  EXPECT_FALSE(book.IsBanned("ban:1", now()));
  EXPECT_TRUE(book.IsBanned("ban:2", now()));
  EXPECT_TRUE(book.IsBanned("ban:4", now()));
}

TEST_F(ScoreBookTest, OptionsValidate) {
  EXPECT_TRUE(ScoreBookOptions{}.Validate().ok());
  EXPECT_FALSE(ScoreBookOptions{.tampered_data_penalty = 0}.Validate().ok());
  EXPECT_FALSE(ScoreBookOptions{.good_exchange_reward = -1}.Validate().ok());
  EXPECT_FALSE(ScoreBookOptions{.ban_threshold = 0}.Validate().ok());
  EXPECT_FALSE(
      ScoreBookOptions{.half_life = absl::ZeroDuration()}.Validate().ok());
  EXPECT_FALSE(
      ScoreBookOptions{.ban_duration = absl::ZeroDuration()}.Validate().ok());
  EXPECT_FALSE(ScoreBookOptions{.max_tracked = 0}.Validate().ok());
  EXPECT_FALSE(ScoreBookOptions{.max_bans = 0}.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::abuse
