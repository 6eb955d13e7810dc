// PeerManagerReporter against a fake peer-manager on loopback, with a
// FakeClock deciding when batches are due.
#include "services/dht/peer_manager_reporter.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/time/clock.h"
#include "gtest/gtest.h"
#include "services/dht/peer_client.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;
using kademlia::NodeId;

NodeId IdOf(uint8_t b) {
  kademlia::IdBytes bytes{};
  bytes[0] = b;
  return NodeId(bytes);
}

ContactReport Ok(int i) {
  return ContactReport{.address = absl::StrCat("10.0.0.", i, ":8000"),
                       .node_id = IdOf(static_cast<uint8_t>(i)),
                       .method = P2pMethod::kFindNode,
                       .status = absl::OkStatus(),
                       .rtt = absl::Milliseconds(3),
                       .observed_at = absl::FromUnixSeconds(1'700'000'000)};
}

ContactReport Failed(int i) {
  return ContactReport{.address = absl::StrCat("10.0.0.", i, ":8000"),
                       .method = P2pMethod::kStore,
                       .status = absl::UnavailableError("connection refused")};
}

class ReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FakePeerManager>> pm =
        FakePeerManager::Start();
    ASSERT_TRUE(pm.ok()) << pm.status();
    pm_ = *std::move(pm);
    stub_ = pm_->NewStub();
  }

  std::unique_ptr<PeerManagerReporter> Make(
      PeerManagerReporterOptions options,
      peers::v1::PeerManager::StubInterface* stub = nullptr) {
    absl::StatusOr<std::unique_ptr<PeerManagerReporter>> r =
        PeerManagerReporter::Create(stub != nullptr ? *stub : *stub_, clock_,
                                    options);
    EXPECT_TRUE(r.ok()) << r.status();
    return *std::move(r);
  }

  FakeClock clock_{absl::FromUnixSeconds(1'700'000'000)};
  std::unique_ptr<FakePeerManager> pm_;
  std::unique_ptr<peers::v1::PeerManager::Stub> stub_;
};

TEST_F(ReporterTest, BatchesResultsOnIntervalAndOnSize) {
  auto reporter = Make({.max_batch = 3, .flush_interval = absl::Seconds(1)});
  reporter->OnContactResult(Ok(1));
  reporter->OnContactResult(Failed(2));
  EXPECT_EQ(reporter->Flush(clock_.Now()), clock_.Now() + absl::Seconds(1))
      << "not due yet: nothing sent, come back at the interval";
  reporter->WaitIdle();
  EXPECT_TRUE(pm_->record_requests().empty());

  clock_.Advance(absl::Seconds(1));
  reporter->Flush(clock_.Now());
  reporter->WaitIdle();
  ASSERT_EQ(pm_->record_requests().size(), 1u);
  const peers::v1::RecordContactsRequest first = pm_->record_requests()[0];
  ASSERT_EQ(first.results_size(), 2);
  EXPECT_EQ(first.results(0).address(), "10.0.0.1:8000");
  EXPECT_TRUE(first.results(0).success());
  EXPECT_EQ(first.results(0).node_id(), IdOf(1).ToHex());
  EXPECT_EQ(first.results(0).rtt().nanos(), 3'000'000);
  EXPECT_EQ(first.results(0).observed_at().seconds(), 1'700'000'000);
  EXPECT_EQ(first.results(0).source(), peers::v1::PEER_SOURCE_DHT);
  EXPECT_FALSE(first.results(1).success());
  EXPECT_EQ(first.results(1).error().code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(first.results(1).node_id().empty());

  // A full batch goes at once, without waiting for the interval.
  for (int i = 0; i < 3; ++i) reporter->OnContactResult(Ok(10 + i));
  reporter->WaitIdle();
  ASSERT_EQ(pm_->record_requests().size(), 2u);
  EXPECT_EQ(pm_->record_requests()[1].results_size(), 3);
  EXPECT_EQ(reporter->stats().results_sent, 5u);
  EXPECT_EQ(reporter->stats().dropped, 0u);
}

TEST_F(ReporterTest, DedupesInboundSendersIntoMergePeers) {
  auto reporter = Make({.sender_ttl = absl::Minutes(5)});
  const Contact a{.id = IdOf(1), .address = "10.0.0.1:8000"};
  const Contact b{.id = IdOf(2), .address = "10.0.0.2:8000"};
  for (int i = 0; i < 5; ++i) reporter->OnInboundSender(a);
  reporter->OnInboundSender(b);
  clock_.Advance(absl::Seconds(1));
  reporter->Flush(clock_.Now());
  reporter->WaitIdle();
  ASSERT_EQ(pm_->merge_requests().size(), 1u);
  const peers::v1::MergePeersRequest merge = pm_->merge_requests()[0];
  EXPECT_EQ(merge.source(), peers::v1::PEER_SOURCE_INBOUND);
  ASSERT_EQ(merge.peers_size(), 2);
  for (const types::v1::PeerHint& hint : merge.peers()) {
    EXPECT_EQ(hint.node_id(),
              hint.address() == a.address ? a.id.ToHex() : b.id.ToHex());
  }
  // Within the TTL a known sender is not merged again; after it, it is.
  reporter->OnInboundSender(a);
  clock_.Advance(absl::Seconds(2));
  reporter->Flush(clock_.Now());
  reporter->WaitIdle();
  EXPECT_EQ(pm_->merge_requests().size(), 1u);
  clock_.Advance(absl::Minutes(5));
  reporter->OnInboundSender(a);
  reporter->Flush(clock_.Now());
  reporter->WaitIdle();
  ASSERT_EQ(pm_->merge_requests().size(), 2u);
  EXPECT_EQ(pm_->merge_requests()[1].peers_size(), 1);
}

TEST_F(ReporterTest, DialledSelfIsNotReported) {
  auto reporter = Make({});
  reporter->OnContactResult(ContactReport{
      .address = "10.0.0.1:8000", .status = DialledSelfError("10.0.0.1:8000")});
  EXPECT_EQ(reporter->stats().queued_results, 0u);
}

TEST_F(ReporterTest, PeerManagerDownDropsOldestAndRecovers) {
  pm_->SetRecordStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"));
  auto reporter = Make({.max_batch = 2,
                        .max_queue = 4,
                        .flush_interval = absl::Seconds(1),
                        .rpc_timeout = absl::Seconds(2)});
  for (int i = 0; i < 10; ++i) {
    reporter->OnContactResult(Ok(i));  // never blocks, never fails
    reporter->WaitIdle();
  }
  PeerManagerReporterStats stats = reporter->stats();
  EXPECT_GE(stats.failed_rpcs, 1u);
  EXPECT_EQ(stats.queued_results, 4u);
  EXPECT_EQ(stats.dropped, 6u);
  EXPECT_EQ(stats.results_sent, 0u);

  // peer-manager is back: the newest four arrive, oldest first.
  pm_->SetRecordStatus(grpc::Status::OK);
  clock_.Advance(absl::Seconds(1));
  for (int round = 0; round < 2; ++round) {
    reporter->Flush(clock_.Now());
    reporter->WaitIdle();
    clock_.Advance(absl::Seconds(1));
  }
  EXPECT_EQ(reporter->stats().results_sent, 4u);
  ASSERT_EQ(pm_->record_requests().size(), 2u);
  EXPECT_EQ(pm_->record_requests()[0].results(0).address(), "10.0.0.6:8000");
  EXPECT_EQ(pm_->record_requests()[1].results(1).address(), "10.0.0.9:8000");
}

TEST_F(ReporterTest, UnreachablePeerManagerNeverBlocks) {
  std::string address;
  {
    absl::StatusOr<std::unique_ptr<FakePeerManager>> gone =
        FakePeerManager::Start();
    ASSERT_TRUE(gone.ok());
    address = (*gone)->address();
  }  // stopped: nothing listens there now
  auto stub = peers::v1::PeerManager::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  auto reporter = Make({.max_batch = 5}, stub.get());
  for (int i = 0; i < 20; ++i) reporter->OnContactResult(Ok(i));
  reporter->OnInboundSender({.id = IdOf(1), .address = "10.0.0.1:8000"});
  reporter->Flush(absl::InfiniteFuture());
  reporter->WaitIdle();
  EXPECT_GE(reporter->stats().failed_rpcs, 1u);
  EXPECT_EQ(reporter->stats().results_sent, 0u);
}

TEST(ReporterOptionsTest, Validate) {
  EXPECT_TRUE(PeerManagerReporterOptions{}.Validate().ok());
  EXPECT_FALSE(PeerManagerReporterOptions{.max_batch = 1001}.Validate().ok());
  PeerManagerReporterOptions small_queue;
  small_queue.max_batch = 10;
  small_queue.max_queue = 5;
  EXPECT_FALSE(small_queue.Validate().ok());
  EXPECT_FALSE(
      PeerManagerReporterOptions{.flush_interval = absl::ZeroDuration()}
          .Validate()
          .ok());
}

}  // namespace
}  // namespace datamgmt::dht
