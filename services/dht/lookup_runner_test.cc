#include "services/dht/lookup_runner.h"

#include <algorithm>
#include <atomic>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto/sha256.h"
#include "common/kademlia/testing/oracle.h"
#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/contact_learner.h"
#include "services/dht/fake_peer_client.h"
#include "services/dht/routing.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::LookupKind;
using kademlia::LookupResult;
using kademlia::NodeId;
using kademlia::sim::TrueClosest;

std::vector<std::string> Short(absl::Span<const NodeId> ids) {
  std::vector<std::string> out;
  for (const NodeId& id : ids) out.push_back(id.ShortHex());
  return out;
}

std::vector<NodeId> Ids(absl::Span<const Contact> contacts) {
  std::vector<NodeId> ids;
  for (const Contact& c : contacts) ids.push_back(c.id);
  return ids;
}

// A fake network of `n` peers around a node `self`. With `sparse`, each
// peer knows its `k` nearest peers and `k` random ones (a Kademlia-like
// graph); otherwise every peer knows every other.
class LookupRunnerTest : public ::testing::Test {
 protected:
  // Peers answer with up to `answer` contacts (more than k, so that failed
  // peers in an answer do not hide live ones); the lookup and the routing
  // table use `k`, the table with no replacement cache, so one failure
  // never evicts and tests can read the failure count.
  void Build(int n, bool sparse, int threads, int k, size_t answer = 20) {
    std::mt19937_64 gen(42);
    self_ = NodeId::Random(gen);
    client_ = std::make_unique<FakePeerClient>(
        self_, FakePeerClient::Options{.threads = threads, .k = answer});
    for (int i = 0; i < n; ++i) {
      peers_.push_back(Contact{.id = NodeId::Random(gen),
                               .address = absl::StrCat("10.0.", i / 250, ".",
                                                       i % 250 + 1, ":8000")});
    }
    for (const Contact& p : peers_) {
      std::vector<Contact> known;
      if (sparse) {
        std::vector<Contact> by_distance = peers_;
        std::sort(by_distance.begin(), by_distance.end(),
                  [&](const Contact& a, const Contact& b) {
                    return kademlia::CloserTo(p.id, a.id, b.id);
                  });
        known.assign(by_distance.begin() + 1, by_distance.begin() + 1 + k);
        for (int j = 0; j < k; ++j) known.push_back(peers_[gen() % n]);
      } else {
        known = peers_;
      }
      client_->AddPeer(p, known);
    }
    kademlia::RoutingTableOptions table;
    table.k = k;
    table.replacement_cache_size = 0;
    routing_ = *Routing::Create(self_, table, clock_);
    learner_ = std::make_unique<ContactLearner>(*routing_, *client_);
    LookupRunnerOptions options;
    options.lookup.k = k;
    runner_ = *LookupRunner::Create(*routing_, *learner_, *client_, options);
  }

  void Seed(int count) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(routing_->Learn(peers_[i]).ok());
    }
  }

  std::vector<NodeId> AllIds() const { return Ids(peers_); }

  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  NodeId self_;
  std::vector<Contact> peers_;
  std::unique_ptr<FakePeerClient> client_;
  std::unique_ptr<Routing> routing_;
  std::unique_ptr<ContactLearner> learner_;
  std::unique_ptr<LookupRunner> runner_;
};

TEST_F(LookupRunnerTest, FindNodeFindsTheTrueClosestInASparseNetwork) {
  Build(/*n=*/200, /*sparse=*/true, /*threads=*/0, /*k=*/8, /*answer=*/8);
  Seed(1);
  std::mt19937_64 gen(7);
  for (int i = 0; i < 20; ++i) {
    const NodeId target = NodeId::Random(gen);
    LookupResult result = runner_->Run(target, LookupKind::kFindNode);
    EXPECT_EQ(Ids(result.closest), TrueClosest(AllIds(), target, 8))
        << "lookup " << i;
  }
  EXPECT_GT(routing_->size(), 1u) << "responders were learned";
}

TEST_F(LookupRunnerTest, FindValueReturnsTheHoldersValue) {
  Build(200, /*sparse=*/true, 0, 8, 8);
  Seed(1);
  const std::string value = "some bytes";
  const NodeId key(crypto::Sha256(value));
  const std::vector<NodeId> holders = TrueClosest(AllIds(), key, 3);
  for (const NodeId& h : holders) client_->AddValue(h, value);
  LookupResult result = runner_->Run(key, LookupKind::kFindValue);
  ASSERT_TRUE(result.value.has_value());
  EXPECT_EQ(*result.value, value);
  ASSERT_TRUE(result.value_holder.has_value());
  EXPECT_NE(std::find(holders.begin(), holders.end(), result.value_holder->id),
            holders.end());
}

TEST_F(LookupRunnerTest, TamperingPeerIsSkippedAndChargedAndHonestValueFound) {
  Build(50, /*sparse=*/false, 0, 8);
  const std::string value = "honest bytes";
  const NodeId key(crypto::Sha256(value));
  const std::vector<NodeId> nearest = TrueClosest(AllIds(), key, 3);
  client_->SetTampering(nearest[0]);
  client_->AddValue(nearest[2], value);
  for (const Contact& p : peers_) {
    if (p.id == nearest[0]) {
      ASSERT_TRUE(routing_->Learn(p).ok());
    }
  }
  Seed(1);
  LookupResult result = runner_->Run(key, LookupKind::kFindValue);
  ASSERT_TRUE(result.value.has_value());
  EXPECT_EQ(*result.value, value);
  EXPECT_EQ(result.value_holder->id, nearest[2]);
  EXPECT_GE(client_->calls(nearest[0]), 1) << "the tamperer was asked";
  EXPECT_GE(result.stats.failed, 1);
  std::optional<kademlia::BucketEntry> entry = routing_->FindEntry(nearest[0]);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->consecutive_failures, 1) << "charged with a failure";
}

TEST_F(LookupRunnerTest, FailedPeersAreLeftOutAndMarkedFailed) {
  Build(50, /*sparse=*/false, 0, 8);
  std::mt19937_64 gen(3);
  const NodeId target = NodeId::Random(gen);
  const std::vector<NodeId> nearest = TrueClosest(AllIds(), target, 3);
  client_->SetFailure(nearest[0], absl::UnavailableError("down"));
  client_->SetFailure(nearest[1], absl::DeadlineExceededError("slow"));
  for (const Contact& p : peers_) {
    if (p.id == nearest[0] || p.id == nearest[1]) {
      ASSERT_TRUE(routing_->Learn(p).ok());
    }
  }
  Seed(5);
  LookupResult result = runner_->Run(target, LookupKind::kFindNode);
  std::vector<NodeId> live;
  for (const Contact& p : peers_) {
    if (p.id != nearest[0] && p.id != nearest[1]) live.push_back(p.id);
  }
  // Every peer still names the two dead ones among its closest, but the
  // core drops contacts that already failed before taking an answer's k = 8
  // closest, so all 8 live nearest must be found, in order, and no failed
  // peer may appear.
  EXPECT_EQ(Short(Ids(result.closest)), Short(TrueClosest(live, target, 8)));
  for (const Contact& c : result.closest) {
    EXPECT_NE(c.id, nearest[0]);
    EXPECT_NE(c.id, nearest[1]);
  }
  EXPECT_EQ(result.stats.failed, 2);
  for (const NodeId& failed : {nearest[0], nearest[1]}) {
    std::optional<kademlia::BucketEntry> entry = routing_->FindEntry(failed);
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->consecutive_failures, 1);
  }
}

TEST_F(LookupRunnerTest, LiveContactsBeyondTheKClosestStepInWhenThoseFail) {
  Build(60, /*sparse=*/false, 0, 4);
  Seed(60);
  std::mt19937_64 gen(9);
  const NodeId target = NodeId::Random(gen);
  // The routing table's k = 4 contacts nearest the target have all left
  // (and are not evicted yet); the table knows more than k contacts.
  const std::vector<Contact> departed = routing_->Closest(target, 4);
  ASSERT_EQ(departed.size(), 4u);
  ASSERT_GT(routing_->size(), 4u);
  for (const Contact& c : departed) {
    client_->SetFailure(c.id, absl::UnavailableError("gone"));
  }
  LookupResult result = runner_->Run(target, LookupKind::kFindNode);
  std::vector<NodeId> live;
  for (const Contact& p : peers_) {
    if (std::none_of(departed.begin(), departed.end(),
                     [&](const Contact& d) { return d.id == p.id; })) {
      live.push_back(p.id);
    }
  }
  EXPECT_EQ(Short(Ids(result.closest)), Short(TrueClosest(live, target, 4)));
}

TEST_F(LookupRunnerTest, SlowPeerDoesNotBlockOthersAndLookupEndsWhenItFails) {
  Build(50, /*sparse=*/false, /*threads=*/2, 8);
  std::mt19937_64 gen(5);
  const NodeId target = NodeId::Random(gen);
  const NodeId slow = TrueClosest(AllIds(), target, 1)[0];
  client_->SetHeld(slow);
  Seed(50);
  absl::Mutex mu;
  int done = 0;
  LookupResult result;
  runner_->Start(target, LookupKind::kFindNode, [&](LookupResult r) {
    absl::MutexLock lock(&mu);
    ++done;
    result = std::move(r);
  });
  // The held query is outstanding; the rest of the window (k - 1 = 7
  // peers) is queried around it.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int other_calls = 0;
  while (absl::Now() < deadline) {
    other_calls = 0;
    for (const Contact& p : peers_) {
      if (p.id != slow) other_calls += client_->calls(p.id);
    }
    if (client_->held() == 1 && other_calls >= 7) break;
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_EQ(client_->held(), 1u);
  EXPECT_GE(other_calls, 7);
  {
    absl::MutexLock lock(&mu);
    EXPECT_EQ(done, 0) << "a peer in the window is still awaited";
  }
  client_->ReleaseHeld(absl::DeadlineExceededError("deadline"));
  absl::MutexLock lock(&mu);
  ASSERT_TRUE(mu.AwaitWithTimeout(absl::Condition(
                                      +[](int* d) { return *d > 0; }, &done),
                                  absl::Seconds(10)));
  EXPECT_EQ(done, 1);
  std::vector<NodeId> live;
  for (const Contact& p : peers_) {
    if (p.id != slow) live.push_back(p.id);
  }
  EXPECT_EQ(Ids(result.closest), TrueClosest(live, target, 8));
}

TEST_F(LookupRunnerTest, NoSeedsCompletesAtOnceWithNothing) {
  Build(5, false, 0, 8);
  int done = 0;
  runner_->Start(NodeId(), LookupKind::kFindValue, [&](LookupResult r) {
    ++done;
    EXPECT_TRUE(r.closest.empty());
    EXPECT_FALSE(r.value.has_value());
  });
  EXPECT_EQ(done, 1);
}

TEST_F(LookupRunnerTest, ManyConcurrentLookupsEachCompleteExactlyOnce) {
  Build(100, /*sparse=*/false, /*threads=*/4, 8);
  Seed(3);
  constexpr int kLookups = 200;
  std::vector<NodeId> targets;
  std::mt19937_64 gen(11);
  for (int i = 0; i < kLookups; ++i) targets.push_back(NodeId::Random(gen));
  std::vector<std::atomic<int>> calls(kLookups);
  std::vector<std::vector<NodeId>> results(kLookups);
  absl::Mutex mu;
  int finished = 0;
  for (int i = 0; i < kLookups; ++i) {
    runner_->Start(targets[i], LookupKind::kFindNode, [&, i](LookupResult r) {
      calls[i].fetch_add(1);
      absl::MutexLock lock(&mu);
      results[i] = Ids(r.closest);
      ++finished;
    });
  }
  runner_.reset();  // running lookups do not need the runner
  {
    absl::MutexLock lock(&mu);
    ASSERT_TRUE(mu.AwaitWithTimeout(
        absl::Condition(
            +[](int* f) { return *f == kLookups; }, &finished),
        absl::Seconds(30)));
  }
  client_.reset();  // joins the workers: no completion runs after this
  for (int i = 0; i < kLookups; ++i) {
    EXPECT_EQ(calls[i].load(), 1) << i;
    EXPECT_EQ(results[i], TrueClosest(AllIds(), targets[i], 8)) << i;
  }
}

TEST(LookupRunnerOptionsTest, Validates) {
  LookupRunnerOptions options;
  EXPECT_TRUE(options.Validate().ok());
  options.lookup.alpha = 0;
  EXPECT_FALSE(options.Validate().ok());
  options = LookupRunnerOptions{};
  options.query_timeout = absl::Seconds(-1);
  EXPECT_FALSE(options.Validate().ok());
}

}  // namespace
}  // namespace datamgmt::dht
