#include "services/dht/routing.h"

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/contact_learner.h"
#include "services/dht/fake_peer_client.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::IdBytes;
using kademlia::NodeId;

// An ID whose first byte is `first` and last byte `last`; with self = 0,
// every first >= 0x80 lands in bucket 255.
NodeId Id(uint8_t first, uint8_t last = 0) {
  IdBytes bytes{};
  bytes[0] = first;
  bytes[31] = last;
  return NodeId(bytes);
}

Contact At(NodeId id, int port) {
  return Contact{.id = id, .address = absl::StrCat("127.0.0.1:", port)};
}

class RoutingTest : public ::testing::Test {
 protected:
  std::unique_ptr<Routing> Make(int k) {
    kademlia::RoutingTableOptions options;
    options.k = k;
    absl::StatusOr<std::unique_ptr<Routing>> routing =
        Routing::Create(NodeId(), options, clock_);
    EXPECT_TRUE(routing.ok()) << routing.status();
    return routing.ok() ? std::move(*routing) : nullptr;
  }
  // Past the core's "heard from recently, no ping needed" window.
  void Later() { clock_.Advance(absl::Minutes(10)); }

  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
};

TEST_F(RoutingTest, LearnsValidContacts) {
  auto routing = Make(20);
  absl::StatusOr<std::optional<Contact>> r = routing->Learn(At(Id(0x80), 1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(routing->size(), 1u);
  EXPECT_EQ(routing->Closest(Id(0x81), 5), std::vector{At(Id(0x80), 1)});
  EXPECT_EQ(routing->Contacts(), std::vector{At(Id(0x80), 1)});
  EXPECT_EQ(routing->NonEmptyBuckets(), 1u);
  ASSERT_TRUE(routing->FindEntry(Id(0x80)).has_value());
  EXPECT_EQ(routing->FindEntry(Id(0x80))->last_seen, clock_.Now());
}

TEST_F(RoutingTest, RejectsMalformedAddressesAndNeverLearnsSelf) {
  auto routing = Make(20);
  for (const char* bad :
       {"", "nohost", "127.0.0.1:0", "0.0.0.0:80", "h:99999"}) {
    absl::StatusOr<std::optional<Contact>> r =
        routing->Learn(Contact{.id = Id(0x80), .address = bad});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(routing->Learn(At(NodeId(), 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(routing->size(), 0u);
}

TEST_F(RoutingTest, FullBucketAsksForAPingAndEvictsOnlyIfItFails) {
  auto routing = Make(2);
  ASSERT_TRUE(routing->Learn(At(Id(0x80), 1)).ok());
  ASSERT_TRUE(routing->Learn(At(Id(0x81), 2)).ok());
  Later();
  absl::StatusOr<std::optional<Contact>> r = routing->Learn(At(Id(0x82), 3));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r->has_value()) << "a full bucket asks to ping its LRS contact";
  EXPECT_EQ(**r, At(Id(0x80), 1));
  // It answered: kept, the newcomer waits.
  routing->OnPingResult(Id(0x80), /*responded=*/true);
  EXPECT_TRUE(routing->FindEntry(Id(0x80)).has_value());
  EXPECT_FALSE(routing->FindEntry(Id(0x82)).has_value());

  Later();
  r = routing->Learn(At(Id(0x83), 4));
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->id, Id(0x81));  // now the least recently seen
  routing->OnPingResult(Id(0x81), /*responded=*/false);
  EXPECT_FALSE(routing->FindEntry(Id(0x81)).has_value());
  EXPECT_EQ(routing->size(), 2u) << "a waiting newcomer took its place";
}

TEST_F(RoutingTest, MarkFailedEvictsAfterRepeatedFailures) {
  auto routing = Make(20);
  ASSERT_TRUE(routing->Learn(At(Id(0x80), 1)).ok());
  EXPECT_FALSE(routing->MarkFailed(Id(0x80)));
  EXPECT_FALSE(routing->MarkFailed(Id(0x80)));
  EXPECT_TRUE(routing->MarkFailed(Id(0x80)));
  EXPECT_EQ(routing->size(), 0u);
  EXPECT_FALSE(routing->MarkFailed(Id(0x80))) << "no longer known";
}

TEST_F(RoutingTest, RefreshDeadlinesFollowTheClock) {
  auto routing = Make(20);
  EXPECT_EQ(routing->NextRefreshDeadline(), absl::InfiniteFuture());
  ASSERT_TRUE(routing->Learn(At(Id(0x80), 1)).ok());
  EXPECT_TRUE(routing->BucketsDueForRefresh().empty())
      << "bucket 255 was just touched, and none is nearer";
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(routing->BucketsDueForRefresh(), std::vector<int>{255});
  ASSERT_TRUE(routing->MarkRefreshed(255).ok());
  EXPECT_TRUE(routing->BucketsDueForRefresh().empty());
  EXPECT_EQ(routing->NextRefreshDeadline(), clock_.Now() + absl::Hours(1));
  EXPECT_EQ(routing->MarkRefreshed(256).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(RoutingTest, LearnerPingsTheCandidateAndKeepsItIfItAnswers) {
  auto routing = Make(2);
  FakePeerClient client{NodeId()};
  ContactLearner learner(*routing, client);
  client.AddPeer(At(Id(0x80), 1));
  ASSERT_TRUE(learner.Learn(At(Id(0x80), 1)).ok());
  ASSERT_TRUE(learner.Learn(At(Id(0x81), 2)).ok());
  Later();
  ASSERT_TRUE(learner.Learn(At(Id(0x82), 3)).ok());
  EXPECT_EQ(client.calls(Id(0x80)), 1) << "the LRS contact was pinged";
  EXPECT_TRUE(routing->FindEntry(Id(0x80)).has_value());
  EXPECT_FALSE(routing->FindEntry(Id(0x82)).has_value());
}

TEST_F(RoutingTest, LearnerEvictsACandidateThatDoesNotAnswer) {
  auto routing = Make(2);
  FakePeerClient client{NodeId()};  // nobody at 127.0.0.1:1 -> UNAVAILABLE
  ContactLearner learner(*routing, client);
  ASSERT_TRUE(learner.Learn(At(Id(0x80), 1)).ok());
  ASSERT_TRUE(learner.Learn(At(Id(0x81), 2)).ok());
  Later();
  ASSERT_TRUE(learner.Learn(At(Id(0x82), 3)).ok());
  EXPECT_FALSE(routing->FindEntry(Id(0x80)).has_value());
  EXPECT_TRUE(routing->FindEntry(Id(0x82)).has_value());
}

TEST_F(RoutingTest, LearnerEvictsACandidateWhoseAddressAnswersAsAnotherNode) {
  auto routing = Make(2);
  FakePeerClient client{NodeId()};
  client.AddPeer(At(Id(0x90), 1));  // a different node now holds the address
  ContactLearner learner(*routing, client);
  ASSERT_TRUE(learner.Learn(At(Id(0x80), 1)).ok());
  ASSERT_TRUE(learner.Learn(At(Id(0x81), 2)).ok());
  Later();
  ASSERT_TRUE(learner.Learn(At(Id(0x82), 3)).ok());
  EXPECT_FALSE(routing->FindEntry(Id(0x80)).has_value());
}

TEST_F(RoutingTest, LearnerPassesValidationErrorsThrough) {
  auto routing = Make(2);
  FakePeerClient client{NodeId()};
  ContactLearner learner(*routing, client);
  EXPECT_EQ(learner.Learn(Contact{.id = Id(0x80), .address = "x"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(learner.Learn(At(NodeId(), 1)).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(RoutingTest, RekeyRebuildsTheTableAroundTheNewId) {
  auto routing = Make(20);
  ASSERT_TRUE(routing->Learn(At(Id(0x80), 1)).ok());
  Later();
  ASSERT_TRUE(routing->Learn(At(Id(0x40), 2)).ok());
  ASSERT_TRUE(routing->Learn(At(Id(0x01), 3)).ok());
  EXPECT_EQ(routing->Rekey(Id(0x40)), 2u) << "the new self is not kept";
  EXPECT_EQ(routing->self(), Id(0x40));
  EXPECT_FALSE(routing->FindEntry(Id(0x40)).has_value());
  EXPECT_EQ(routing->Closest(Id(0x40), 5),
            (std::vector{At(Id(0x01), 3), At(Id(0x80), 1)}));
  EXPECT_EQ(routing->FindEntry(Id(0x80))->last_seen,
            clock_.Now() - absl::Minutes(10))
      << "contacts keep when they were last seen";
  EXPECT_EQ(routing->Learn(At(Id(0x40), 4)).status().code(),
            absl::StatusCode::kFailedPrecondition)
      << "the new ID is this node";
  EXPECT_TRUE(routing->Learn(At(NodeId(), 4)).ok()) << "the old one is not";
}

TEST_F(RoutingTest, OtherContactAtNamesAnotherIdListedAtTheAddress) {
  auto routing = Make(20);
  ASSERT_TRUE(routing->Learn(At(Id(0x80), 1)).ok());
  EXPECT_EQ(routing->OtherContactAt(At(Id(0x90), 1)), At(Id(0x80), 1));
  EXPECT_EQ(routing->OtherContactAt(At(Id(0x90), 2)), std::nullopt);
  EXPECT_EQ(routing->OtherContactAt(At(Id(0x80), 1)), std::nullopt)
      << "a known contact is not checked";
}

// A node that rotated its key sends as a new ID from an address the table
// lists under its old ID: the learner dials the address, and since the new
// ID answers there, the old contact goes.
TEST_F(RoutingTest, LearnerDropsAnIdThatNoLongerAnswersAtItsAddress) {
  auto routing = Make(20);
  FakePeerClient client{NodeId()};
  ContactLearner learner(*routing, client);
  ASSERT_TRUE(learner.Learn(At(Id(0x80), 1)).ok());
  client.AddPeer(At(Id(0x90), 1));  // the node at :1 now answers as 0x90
  ASSERT_TRUE(learner.Learn(At(Id(0x90), 1)).ok());
  EXPECT_FALSE(routing->FindEntry(Id(0x80)).has_value());
  EXPECT_TRUE(routing->FindEntry(Id(0x90)).has_value());
  EXPECT_EQ(learner.moved_removed(), 1u);
  EXPECT_EQ(client.calls(Id(0x90)), 1) << "one check";
  ASSERT_TRUE(learner.Learn(At(Id(0x90), 1)).ok());
  EXPECT_EQ(client.calls(Id(0x90)), 1) << "a known contact is not checked";
}

TEST_F(RoutingTest, LearnerKeepsAListedIdThatStillAnswersAtItsAddress) {
  auto routing = Make(20);
  FakePeerClient client{NodeId()};
  ContactLearner learner(*routing, client);
  client.AddPeer(At(Id(0x80), 1));
  ASSERT_TRUE(learner.Learn(At(Id(0x80), 1)).ok());
  // Someone else claims the address: a claim removes nothing.
  ASSERT_TRUE(learner.Learn(At(Id(0x90), 1)).ok());
  EXPECT_TRUE(routing->FindEntry(Id(0x80)).has_value());
  EXPECT_EQ(client.calls(Id(0x80)), 1) << "the address was checked";
  EXPECT_EQ(learner.moved_removed(), 0u);
}

TEST_F(RoutingTest, ConcurrentUseIsSafe) {
  auto routing = Make(20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        const NodeId id =
            Id(static_cast<uint8_t>(i % 256), static_cast<uint8_t>(t + 1));
        routing->Learn(At(id, 1000 + i)).IgnoreError();
        routing->Closest(id, 20);
        if (i % 7 == 0) routing->MarkFailed(id);
        routing->size();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_GT(routing->size(), 0u);
}

}  // namespace
}  // namespace datamgmt::dht
