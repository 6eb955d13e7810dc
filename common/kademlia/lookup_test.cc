#include "common/kademlia/lookup.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace datamgmt::kademlia {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// The target is the zero ID, so Id(n) is at XOR distance n from it.
const NodeId kTarget;

NodeId Id(uint16_t n) {
  IdBytes bytes{};
  bytes[kIdBytes - 2] = static_cast<uint8_t>(n >> 8);
  bytes[kIdBytes - 1] = static_cast<uint8_t>(n);
  return NodeId(bytes);
}

Contact C(uint16_t n) { return Contact{Id(n), absl::StrCat("10.0.0.1:", n)}; }

std::vector<Contact> Cs(std::initializer_list<uint16_t> ns) {
  std::vector<Contact> out;
  for (uint16_t n : ns) out.push_back(C(n));
  return out;
}

const NodeId kSelf = Id(60000);

std::vector<uint16_t> Ns(const std::vector<Contact>& contacts) {
  std::vector<uint16_t> out;
  for (const Contact& c : contacts) {
    out.push_back(static_cast<uint16_t>(c.id.bytes()[kIdBytes - 2] << 8 |
                                        c.id.bytes()[kIdBytes - 1]));
  }
  return out;
}

Lookup Make(LookupKind kind, std::vector<Contact> seeds, int k = 20,
            int alpha = 3) {
  absl::StatusOr<Lookup> lookup =
      Lookup::Create(kSelf, kTarget, kind, seeds, {.k = k, .alpha = alpha});
  EXPECT_TRUE(lookup.ok()) << lookup.status();
  return *std::move(lookup);
}

Lookup FindNode(std::vector<Contact> seeds, int k = 20, int alpha = 3) {
  return Make(LookupKind::kFindNode, std::move(seeds), k, alpha);
}

TEST(LookupOptionsTest, ValidatesKAndAlpha) {
  EXPECT_TRUE(LookupOptions{}.Validate().ok());
  EXPECT_EQ(LookupOptions{}.k, 20);
  EXPECT_EQ(LookupOptions{}.alpha, 3);
  EXPECT_EQ(LookupOptions{.k = 0}.Validate().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LookupOptions{.alpha = 0}.Validate().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      Lookup::Create(kSelf, kTarget, LookupKind::kFindNode, Cs({1}), {.k = -1})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(LookupTest, EmptySeedsIsDoneAtOnceWithEmptyResult) {
  Lookup lookup = FindNode({});
  EXPECT_TRUE(lookup.done());
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());
  EXPECT_THAT(lookup.result().closest, IsEmpty());
  EXPECT_EQ(lookup.result().stats.hops, 0);
}

TEST(LookupTest, NeverQueriesSelf) {
  Lookup only_self = FindNode({Contact{kSelf, "me"}});
  EXPECT_TRUE(only_self.done());

  Lookup lookup = FindNode(Cs({5}));
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(5));
  ASSERT_TRUE(lookup.OnNodes(Id(5), {Contact{kSelf, "me"}}));
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());
  EXPECT_TRUE(lookup.done());
  EXPECT_THAT(Ns(lookup.result().closest), ElementsAre(5));
}

TEST(LookupTest, KeepsAtMostAlphaInFlightNearestFirst) {
  Lookup lookup = FindNode(Cs({9, 3, 7, 1, 5, 2}), 20, 3);
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(1, 2, 3));
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());
  EXPECT_EQ(lookup.outstanding(), 3);
  // One answer that brings someone closer frees exactly one slot.
  ASSERT_TRUE(lookup.OnNodes(Id(2), Cs({0})));
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(0));
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());
  EXPECT_FALSE(lookup.done());
}

TEST(LookupTest, NeverQueriesTheSameContactTwice) {
  Lookup lookup = FindNode(Cs({4, 8}), 20, 1);
  std::multiset<uint16_t> queried;
  while (!lookup.done()) {
    std::vector<Contact> next = lookup.NextQueries();
    ASSERT_FALSE(next.empty());
    for (const Contact& c : next) {
      queried.insert(Ns({c})[0]);
      // Everyone names everyone, including contacts already queried.
      ASSERT_TRUE(lookup.OnNodes(c.id, Cs({2, 4, 6, 8})));
    }
  }
  EXPECT_THAT(queried, ElementsAre(2, 4, 6, 8));
  EXPECT_EQ(lookup.result().stats.queried, 4);
}

TEST(LookupTest, IgnoresUnsolicitedAndRepeatedOutcomes) {
  Lookup lookup = FindNode(Cs({1, 2, 3, 4}), 20, 2);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(1, 2));
  // Never heard of 99; 3 is known but was not queried.
  EXPECT_FALSE(lookup.OnNodes(Id(99), Cs({0})));
  EXPECT_FALSE(lookup.OnNodes(Id(3), Cs({0})));
  EXPECT_FALSE(lookup.OnFailure(Id(3)));
  EXPECT_FALSE(lookup.OnStalled(Id(4)));
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());  // no slot was freed

  ASSERT_TRUE(lookup.OnNodes(Id(1), {}));
  // A second answer, or a late failure, from 1 is ignored.
  EXPECT_FALSE(lookup.OnNodes(Id(1), Cs({0})));
  EXPECT_FALSE(lookup.OnFailure(Id(1)));
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(3));
  const LookupStats stats = lookup.result().stats;
  EXPECT_EQ(stats.queried, 3);
  EXPECT_EQ(stats.responded, 1);
  EXPECT_EQ(stats.failed, 0);
}

TEST(LookupTest, IgnoresDuplicatesAndTheSenderInAResponse) {
  Lookup lookup = FindNode(Cs({10}), 20, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(10));
  ASSERT_TRUE(lookup.OnNodes(Id(10), Cs({10, 7, 7, 8, 7, 10})));
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(7, 8));
  ASSERT_TRUE(lookup.OnNodes(Id(7), Cs({7, 8, 10})));
  ASSERT_TRUE(lookup.OnNodes(Id(8), Cs({8})));
  ASSERT_TRUE(lookup.done());
  const LookupResult result = lookup.result();
  EXPECT_THAT(Ns(result.closest), ElementsAre(7, 8, 10));
  EXPECT_EQ(result.stats.queried, 3);
  EXPECT_EQ(result.stats.responded, 3);
}

TEST(LookupTest, CapsAResponseAtItsKClosestContacts) {
  Lookup lookup = FindNode(Cs({100}), 2, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(100));
  ASSERT_TRUE(lookup.OnNodes(Id(100), Cs({50, 40, 30, 20, 10})));
  // Only 10 and 20 were taken from the padded answer.
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(10, 20));
  ASSERT_TRUE(lookup.OnNodes(Id(10), {}));
  ASSERT_TRUE(lookup.OnNodes(Id(20), {}));
  EXPECT_TRUE(lookup.done());
  EXPECT_THAT(Ns(lookup.result().closest), ElementsAre(10, 20));
}

TEST(LookupTest, ContactsThatFailedDoNotTakeSlotsInAResponsesCut) {
  // k = 2: a response's two closest count. 10 and 20 already failed, so the
  // next answer naming them again must still yield 30 and 40.
  Lookup lookup = FindNode(Cs({100, 20, 10}), 2, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(10, 20));
  ASSERT_TRUE(lookup.OnFailure(Id(10)));
  ASSERT_TRUE(lookup.OnFailure(Id(20)));
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(100));
  ASSERT_TRUE(lookup.OnNodes(Id(100), Cs({10, 20, 30, 40})));
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(30, 40));
}

TEST(LookupTest, DoneWhenTheKClosestResponded) {
  Lookup lookup = FindNode(Cs({6, 5, 4, 3, 2, 1}), 3, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(1, 2, 3));
  ASSERT_TRUE(lookup.OnNodes(Id(3), {}));
  ASSERT_TRUE(lookup.OnNodes(Id(1), {}));
  EXPECT_FALSE(lookup.done());
  ASSERT_TRUE(lookup.OnNodes(Id(2), {}));
  EXPECT_TRUE(lookup.done());
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());
  const LookupResult result = lookup.result();
  EXPECT_THAT(Ns(result.closest), ElementsAre(1, 2, 3));
  EXPECT_EQ(result.stats.queried, 3);
}

TEST(LookupTest, ResultIsSortedAndLimitedToK) {
  Lookup lookup = FindNode(Cs({40, 30, 20, 10}), 3, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(10, 20, 30));
  ASSERT_TRUE(lookup.OnNodes(Id(30), Cs({25, 5, 15, 35})));
  ASSERT_TRUE(lookup.OnNodes(Id(10), {}));
  ASSERT_TRUE(lookup.OnNodes(Id(20), {}));
  while (!lookup.done()) {
    std::vector<Contact> next = lookup.NextQueries();
    ASSERT_FALSE(next.empty());
    for (const Contact& c : next) ASSERT_TRUE(lookup.OnNodes(c.id, {}));
  }
  EXPECT_THAT(Ns(lookup.result().closest), ElementsAre(5, 10, 15));
}

TEST(LookupTest, FailedContactsLeaveTheWindowAndTheResult) {
  Lookup lookup = FindNode(Cs({1, 2, 3, 4, 5}), 3, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(1, 2, 3));
  ASSERT_TRUE(lookup.OnFailure(Id(1)));
  // 4 moves into the window of the 3 closest that have not failed.
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(4));
  ASSERT_TRUE(lookup.OnNodes(Id(2), {}));
  ASSERT_TRUE(lookup.OnNodes(Id(3), {}));
  ASSERT_TRUE(lookup.OnNodes(Id(4), {}));
  EXPECT_TRUE(lookup.done());
  const LookupResult result = lookup.result();
  EXPECT_THAT(Ns(result.closest), ElementsAre(2, 3, 4));
  EXPECT_EQ(result.stats.failed, 1);
  EXPECT_EQ(result.stats.responded, 3);
}

TEST(LookupTest, AllContactsFailingEndsWithEmptyResult) {
  Lookup lookup = FindNode(Cs({1, 2, 3, 4, 5}), 20, 3);
  int failures = 0;
  while (!lookup.done()) {
    std::vector<Contact> next = lookup.NextQueries();
    ASSERT_FALSE(next.empty());
    for (const Contact& c : next) {
      ASSERT_TRUE(lookup.OnFailure(c.id));
      ++failures;
    }
  }
  EXPECT_EQ(failures, 5);
  const LookupResult result = lookup.result();
  EXPECT_THAT(result.closest, IsEmpty());
  EXPECT_EQ(result.stats.failed, 5);
  EXPECT_EQ(result.stats.hops, 0);
}

TEST(LookupTest, StalledQueryFreesItsSlotButIsStillAwaited) {
  Lookup lookup = FindNode(Cs({1, 2}), 20, 1);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(1));
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());
  ASSERT_TRUE(lookup.OnStalled(Id(1)));
  EXPECT_FALSE(lookup.OnStalled(Id(1)));
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(2));
  ASSERT_TRUE(lookup.OnNodes(Id(2), {}));
  EXPECT_FALSE(lookup.done());  // 1 is in the window and may still answer
  EXPECT_EQ(lookup.outstanding(), 1);
  ASSERT_TRUE(lookup.OnNodes(Id(1), {}));  // the late answer counts
  EXPECT_TRUE(lookup.done());
  EXPECT_THAT(Ns(lookup.result().closest), ElementsAre(1, 2));
  EXPECT_EQ(lookup.result().stats.stalled, 1);
}

TEST(LookupTest, StallRuleQueriesTheWholeWindowAfterAlphaFruitlessAnswers) {
  Lookup lookup = FindNode(Cs({1, 2, 3, 4, 5, 6}), 5, 2);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(1, 2));
  ASSERT_TRUE(lookup.OnNodes(Id(1), Cs({7})));  // nothing closer than 1
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(3));
  ASSERT_TRUE(lookup.OnNodes(Id(2), {}));  // second fruitless answer
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(4, 5));
  // Something closer turns up: back to alpha at a time.
  ASSERT_TRUE(lookup.OnNodes(Id(3), Cs({0})));
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());  // 4 and 5 fill alpha = 2
  ASSERT_TRUE(lookup.OnNodes(Id(4), {}));
  EXPECT_THAT(Ns(lookup.NextQueries()), ElementsAre(0));
}

TEST(LookupTest, HopsCountTheDepthAtWhichContactsWereLearned) {
  Lookup lookup = FindNode(Cs({50}), 20, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(50));
  ASSERT_TRUE(lookup.OnNodes(Id(50), Cs({40})));  // 40 is at hop 2
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(40));
  ASSERT_TRUE(lookup.OnNodes(Id(40), Cs({30, 45})));  // hop 3
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(30, 45));
  ASSERT_TRUE(lookup.OnNodes(Id(45), {}));
  ASSERT_TRUE(lookup.OnNodes(Id(30), {}));
  ASSERT_TRUE(lookup.done());
  const LookupResult result = lookup.result();
  EXPECT_THAT(Ns(result.closest), ElementsAre(30, 40, 45, 50));
  EXPECT_EQ(result.stats.hops, 3);  // 30, the nearest, was learned at hop 3
  EXPECT_EQ(result.stats.max_hop, 3);
}

TEST(LookupTest, FindValueStopsAtTheFirstHolder) {
  Lookup lookup = Make(LookupKind::kFindValue, Cs({9, 8, 7}), 20, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(7, 8, 9));
  ASSERT_TRUE(lookup.OnNodes(Id(9), Cs({1, 2})));
  ASSERT_TRUE(lookup.OnNodes(Id(7), Cs({1})));
  ASSERT_TRUE(lookup.OnValue(Id(8), "payload"));
  EXPECT_TRUE(lookup.done());
  EXPECT_THAT(lookup.NextQueries(), IsEmpty());
  // Frozen: nothing more is accepted.
  EXPECT_FALSE(lookup.OnNodes(Id(1), {}));
  EXPECT_FALSE(lookup.OnValue(Id(1), "other"));

  const LookupResult result = lookup.result();
  ASSERT_TRUE(result.value.has_value());
  EXPECT_EQ(*result.value, "payload");
  ASSERT_TRUE(result.value_holder.has_value());
  EXPECT_EQ(result.value_holder->id, Id(8));
  // 7 is the closest contact that answered without the value.
  ASSERT_TRUE(result.cache_candidate.has_value());
  EXPECT_EQ(result.cache_candidate->id, Id(7));
  EXPECT_EQ(result.stats.hops, 1);
  EXPECT_EQ(result.stats.queried, 3);
}

TEST(LookupTest, FindValueWithoutAnyHolderEndsLikeFindNode) {
  Lookup lookup = Make(LookupKind::kFindValue, Cs({2, 1}), 20, 3);
  for (const Contact& c : lookup.NextQueries()) lookup.OnNodes(c.id, {});
  EXPECT_TRUE(lookup.done());
  const LookupResult result = lookup.result();
  EXPECT_FALSE(result.value.has_value());
  EXPECT_FALSE(result.cache_candidate.has_value());
  EXPECT_THAT(Ns(result.closest), ElementsAre(1, 2));
}

TEST(LookupTest, FindValueFromTheOnlyResponderHasNoCacheCandidate) {
  Lookup lookup = Make(LookupKind::kFindValue, Cs({3}), 20, 3);
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(3));
  ASSERT_TRUE(lookup.OnValue(Id(3), "v"));
  EXPECT_FALSE(lookup.result().cache_candidate.has_value());
}

TEST(LookupTest, FindNodeIgnoresAValue) {
  Lookup lookup = FindNode(Cs({3}));
  ASSERT_THAT(Ns(lookup.NextQueries()), ElementsAre(3));
  EXPECT_FALSE(lookup.OnValue(Id(3), "v"));
  EXPECT_FALSE(lookup.done());
  EXPECT_TRUE(lookup.OnNodes(Id(3), {}));
  EXPECT_TRUE(lookup.done());
}

// 200 nodes, each knowing every third node plus the nodes at between half
// and all of its own distance to the target (like one k-bucket): reaching
// the k closest takes several hops, and the lookup must end with exactly
// them.
TEST(LookupTest, FindsTheKClosestInASmallNetwork) {
  std::vector<uint16_t> network;
  for (int n = 1; n <= 200; ++n) network.push_back(n * 7 % 251 + 1);
  auto known_by = [&](uint16_t node) {
    std::vector<uint16_t> known;
    for (size_t i = 0; i < network.size(); ++i) {
      const uint16_t other = network[i];
      if (other == node) continue;
      if (i % 3 == 0 || (other < node && other >= node / 2)) {
        known.push_back(other);
      }
    }
    std::sort(known.begin(), known.end());
    if (known.size() > 5) known.resize(5);
    std::vector<Contact> out;
    for (uint16_t n : known) out.push_back(C(n));
    return out;
  };
  Lookup lookup = FindNode({C(network.back())}, 5, 3);
  while (!lookup.done()) {
    std::vector<Contact> next = lookup.NextQueries();
    ASSERT_FALSE(next.empty());
    for (const Contact& c : next) {
      ASSERT_TRUE(lookup.OnNodes(c.id, known_by(Ns({c})[0])));
    }
  }
  std::vector<uint16_t> truth = network;
  std::sort(truth.begin(), truth.end());
  truth.resize(5);
  EXPECT_EQ(Ns(lookup.result().closest), truth);
  EXPECT_GT(lookup.result().stats.max_hop, 1);
}

// Peers that always answer with a closer made-up contact would keep a
// lookup going for ever; max_queries ends it.
TEST(LookupTest, MaxQueriesEndsALookupThatNeverConverges) {
  absl::StatusOr<Lookup> lookup =
      Lookup::Create(kSelf, kTarget, LookupKind::kFindNode, Cs({1000}),
                     {.k = 3, .alpha = 1, .max_queries = 10});
  ASSERT_TRUE(lookup.ok());
  int sent = 0;
  for (int round = 0; round < 100 && !lookup->done(); ++round) {
    for (const Contact& c : lookup->NextQueries()) {
      ++sent;
      const uint16_t n = Ns({c})[0];
      lookup->OnNodes(c.id, Cs({static_cast<uint16_t>(n - 1)}));
    }
  }
  EXPECT_TRUE(lookup->done());
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(lookup->result().stats.queried, 10);
  EXPECT_THAT(Ns(lookup->result().closest), ElementsAre(991, 992, 993));
}

TEST(LookupTest, MaxQueriesWaitsForOutcomesInFlight) {
  absl::StatusOr<Lookup> lookup =
      Lookup::Create(kSelf, kTarget, LookupKind::kFindNode, Cs({5, 6, 7, 8}),
                     {.k = 4, .alpha = 3, .max_queries = 2});
  ASSERT_TRUE(lookup.ok());
  EXPECT_THAT(Ns(lookup->NextQueries()), ElementsAre(5, 6));
  EXPECT_TRUE(lookup->NextQueries().empty());
  lookup->OnNodes(Id(5), {});
  EXPECT_FALSE(lookup->done()) << "6 is still awaited";
  lookup->OnFailure(Id(6));
  EXPECT_TRUE(lookup->done());
  EXPECT_THAT(Ns(lookup->result().closest), ElementsAre(5));
}

TEST(LookupOptionsTest, MaxQueriesMustBePositive) {
  EXPECT_EQ(LookupOptions{}.max_queries, 400);
  EXPECT_FALSE(LookupOptions{.max_queries = 0}.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::kademlia
