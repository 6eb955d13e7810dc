// The seed's health thresholds, reached through RecordContacts and read
// back through List/Get/Stats.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/peer_manager/peer_table.h"
#include "services/peer_manager/peer_table_test_util.h"

namespace datamgmt::peer_manager {
namespace {

using ::datamgmt::peer_manager::testing::Failure;
using ::datamgmt::peer_manager::testing::kT0;
using ::datamgmt::peer_manager::testing::MakeTable;
using ::datamgmt::peer_manager::testing::Success;

constexpr char kPeer[] = "node1:8000";

bool Healthy(const PeerTable& table, absl::Time now) {
  absl::StatusOr<PeerView> view = table.Get(kPeer, now);
  EXPECT_TRUE(view.ok()) << view.status();
  return view.ok() && view->healthy;
}

void Record(PeerTable& table, const ContactResult& result, absl::Time now) {
  absl::StatusOr<RecordContactsOutcome> outcome =
      table.RecordContacts({result}, now);
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  ASSERT_EQ(outcome->ignored, 0);
}

TEST(PeerTableHealthTest, FewerThanFiveAttemptsIsHealthyFiveIsJudged) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add(kPeer, "", kT0).ok());
  for (int i = 0; i < 4; ++i) Record(table, Failure(kPeer), kT0);
  EXPECT_TRUE(Healthy(table, kT0));  // 4 attempts, all failed: still new
  EXPECT_EQ(table.List(/*healthy_only=*/true, kT0).size(), 1u);
  Record(table, Failure(kPeer), kT0);
  EXPECT_FALSE(Healthy(table, kT0));  // 5 attempts, 0%
  EXPECT_TRUE(table.List(/*healthy_only=*/true, kT0).empty());
  EXPECT_EQ(table.Stats(kT0).healthy, 0);
  EXPECT_EQ(table.Stats(kT0).total, 1);
}

TEST(PeerTableHealthTest, SuccessRateMustBeAboveHalf) {
  PeerTable table = MakeTable();
  for (int i = 0; i < 3; ++i) Record(table, Success(kPeer), kT0);
  for (int i = 0; i < 3; ++i) Record(table, Failure(kPeer), kT0);
  absl::StatusOr<PeerView> view = table.Get(kPeer, kT0);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->success_rate, 0.5);
  EXPECT_FALSE(view->healthy);  // exactly 50% is not "above 50%"

  Record(table, Success(kPeer), kT0);
  view = table.Get(kPeer, kT0);
  EXPECT_DOUBLE_EQ(view->success_rate, 4.0 / 7.0);
  EXPECT_TRUE(view->healthy);

  Record(table, Failure(kPeer), kT0);  // 4 of 8: 50% again
  EXPECT_FALSE(Healthy(table, kT0));
}

TEST(PeerTableHealthTest, LastResponseMustBeWithinFiveMinutes) {
  PeerTable table = MakeTable();
  for (int i = 0; i < 5; ++i) Record(table, Success(kPeer, "", kT0), kT0);
  EXPECT_TRUE(Healthy(table, kT0 + absl::Minutes(5)));  // inclusive
  EXPECT_FALSE(Healthy(table, kT0 + absl::Minutes(5) + absl::Nanoseconds(1)));
  EXPECT_EQ(table.Stats(kT0 + absl::Minutes(6)).healthy, 0);
  // Answering again makes it healthy again.
  const absl::Time later = kT0 + absl::Minutes(6);
  Record(table, Success(kPeer, "", later), later);
  EXPECT_TRUE(Healthy(table, later));
}

TEST(PeerTableHealthTest, NewPeerStaysHealthyUntilPrunedWithoutAttempts) {
  PeerTable table = MakeTable();
  ASSERT_TRUE(table.Add(kPeer, "", kT0).ok());
  EXPECT_TRUE(Healthy(table, kT0 + absl::Minutes(30)));
  EXPECT_EQ(table.Prune(kT0 + absl::Minutes(61)).size(), 1u);
}

}  // namespace
}  // namespace datamgmt::peer_manager
