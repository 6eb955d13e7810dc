#include "gateway/backend/backends.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "gateway/testing/fake_dht.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway {
namespace {

using ::google::protobuf::MethodDescriptor;

const MethodDescriptor& Method(const char* service, const char* name) {
  const auto* s =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          service);
  return *s->FindMethodByName(name);
}

// Runs one call and waits for its result.
CallResult CallAndWait(Backends& backends, const MethodDescriptor& method,
                       std::unique_ptr<google::protobuf::Message> request,
                       absl::Duration timeout, const Metadata& metadata = {}) {
  absl::Notification done;
  CallResult out;
  backends.Call(method, std::move(request), absl::Now() + timeout, metadata,
                [&](CallResult result) {
                  out = std::move(result);
                  done.Notify();
                });
  EXPECT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  return out;
}

// An address where nothing listens: a port of a server that was stopped.
std::string DeadAddress() {
  absl::StatusOr<std::unique_ptr<FakeDht>> dht = FakeDht::Start();
  EXPECT_TRUE(dht.ok());
  return (*dht)->address();  // the server stops when `dht` goes
}

class BackendsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<FakeDht>> dht = FakeDht::Start();
    ASSERT_TRUE(dht.ok()) << dht.status();
    dht_ = *std::move(dht);
  }
  std::unique_ptr<FakeDht> dht_;
};

TEST_F(BackendsTest, CallsAMethodByDescriptorAndReturnsResponseAndMetadata) {
  Backends backends(
      {.addresses = {{"datamgmt.dht.v1.DhtService", dht_->address()}}});
  auto request = std::make_unique<dht::v1::PutDataRequest>();
  request->set_data("hello");
  CallResult result =
      CallAndWait(backends, Method("datamgmt.dht.v1.DhtService", "PutData"),
                  std::move(request), absl::Seconds(10),
                  {{"x-request-id", "abc"}});
  ASSERT_TRUE(result.status.ok()) << result.status.error_message();
  ASSERT_NE(result.response, nullptr);
  const auto& response =
      static_cast<const dht::v1::PutDataResponse&>(*result.response);
  EXPECT_EQ(response.size(), 5u);
  EXPECT_EQ(response.hash().size(), 64u);
  EXPECT_NE(std::find(result.initial_metadata.begin(),
                      result.initial_metadata.end(),
                      std::make_pair(std::string("x-http-code"),
                                     std::string("201"))),
            result.initial_metadata.end());
  const Metadata sent = dht_->last_metadata();
  EXPECT_NE(std::find(sent.begin(), sent.end(),
                      std::make_pair(std::string("x-request-id"),
                                     std::string("abc"))),
            sent.end());
  EXPECT_EQ(dht_->stored(), 1u);
}

TEST_F(BackendsTest, BackendErrorsComeBackAsTheirStatus) {
  Backends backends(
      {.addresses = {{"datamgmt.dht.v1.DhtService", dht_->address()}}});
  auto request = std::make_unique<dht::v1::GetDataRequest>();
  request->set_hash(std::string(64, 'b'));
  CallResult result =
      CallAndWait(backends, Method("datamgmt.dht.v1.DhtService", "GetData"),
                  std::move(request), absl::Seconds(10));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(result.status.error_message(), "Data not found");
  EXPECT_EQ(result.response, nullptr);
}

TEST_F(BackendsTest, SlowBackendEndsAtTheDeadline) {
  dht_->set_hold_dht_stats(true);
  Backends backends(
      {.addresses = {{"datamgmt.dht.v1.DhtService", dht_->address()}}});
  CallResult result = CallAndWait(
      backends, Method("datamgmt.dht.v1.DhtService", "GetDhtStats"),
      std::make_unique<dht::v1::GetDhtStatsRequest>(), absl::Milliseconds(200));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST(BackendsDownTest, DownBackendIsUnavailableNotAHang) {
  Backends backends(
      {.addresses = {{"datamgmt.dht.v1.DhtService", DeadAddress()}}});
  CallResult result = CallAndWait(
      backends, Method("datamgmt.dht.v1.DhtService", "GetNetworkStats"),
      std::make_unique<dht::v1::GetNetworkStatsRequest>(), absl::Seconds(20));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(BackendsDownTest, CallsSucceedAgainOnceABackendIsBack) {
  absl::StatusOr<std::unique_ptr<FakeDht>> dht = FakeDht::Start();
  ASSERT_TRUE(dht.ok());
  const int port = (*dht)->port();
  Backends backends(
      {.addresses = {{"datamgmt.dht.v1.DhtService", (*dht)->address()}}});
  auto stats = [&] {
    return CallAndWait(backends,
                       Method("datamgmt.dht.v1.DhtService", "GetNetworkStats"),
                       std::make_unique<dht::v1::GetNetworkStatsRequest>(),
                       absl::Seconds(5))
        .status.error_code();
  };
  EXPECT_EQ(stats(), grpc::StatusCode::OK);
  dht->reset();  // the backend goes away...
  for (int i = 0; i < 4; ++i) EXPECT_EQ(stats(), grpc::StatusCode::UNAVAILABLE);
  dht = FakeDht::Start(port);  // ...and comes back on the same port
  ASSERT_TRUE(dht.ok()) << dht.status();
  // Every channel (calls go round-robin) reconnects: four calls in a row OK.
  int ok_in_a_row = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (ok_in_a_row < 4 && absl::Now() < deadline) {
    ok_in_a_row = stats() == grpc::StatusCode::OK ? ok_in_a_row + 1 : 0;
    if (ok_in_a_row == 0) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(ok_in_a_row, 4);
}

TEST(BackendsDownTest, ServiceWithoutAddressIsUnimplemented) {
  Backends backends({});
  CallResult result = CallAndWait(
      backends, Method("datamgmt.peers.v1.PeerManager", "ListPeers"),
      std::make_unique<peers::v1::ListPeersRequest>(), absl::Seconds(1));
  EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(backends.AddressOf("datamgmt.peers.v1.PeerManager"), nullptr);
}

// grpc++ aborts the process on a call with metadata gRPC refuses; found by
// fuzz/gateway_http_fuzz with "Grpc-Metadata-Trace: abc\xff\xff".
TEST_F(BackendsTest, MetadataGrpcCannotSendIsInvalidArgumentNotACrash) {
  Backends backends(
      {.addresses = {{"datamgmt.dht.v1.DhtService", dht_->address()}}});
  const Metadata refused[] = {
      {{"trace", "abc\xff\xff"}},   // not ASCII
      {{"trace", "a\tb"}},           // a control character
      {{"a!b", "x"}},                // not a gRPC key character
      {{"", "x"}},                   // empty key
      {{"ok", "fine"}, {"Upper", "x"}},
  };
  for (const Metadata& metadata : refused) {
    SCOPED_TRACE(metadata.back().first);
    CallResult result = CallAndWait(
        backends, Method("datamgmt.dht.v1.DhtService", "GetNetworkStats"),
        std::make_unique<dht::v1::GetNetworkStatsRequest>(), absl::Seconds(10),
        metadata);
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(result.status.error_message().find("metadata"),
              std::string::npos);
    EXPECT_EQ(result.response, nullptr);
  }
  // Binary ("-bin") values may hold any byte; ordinary ones may hold spaces.
  CallResult ok = CallAndWait(
      backends, Method("datamgmt.dht.v1.DhtService", "GetNetworkStats"),
      std::make_unique<dht::v1::GetNetworkStatsRequest>(), absl::Seconds(10),
      {{"trace-bin", std::string("\0\xff\n", 3)}, {"x-note", "a b ~"}});
  EXPECT_TRUE(ok.status.ok()) << ok.status.error_message();
}

TEST_F(BackendsTest, HealthReportsEachAddressOnce) {
  const std::string dead = DeadAddress();
  Backends backends(
      {.addresses = {{"datamgmt.dht.v1.DhtService", dht_->address()},
                     {"datamgmt.dht.v1.PeerDialer", dht_->address()},
                     {"datamgmt.peers.v1.PeerManager", dead}}});
  ASSERT_NE(backends.AddressOf("datamgmt.dht.v1.PeerDialer"), nullptr);
  EXPECT_EQ(*backends.AddressOf("datamgmt.dht.v1.PeerDialer"),
            dht_->address());
  absl::Notification done;
  std::vector<BackendHealth> health;
  backends.CheckHealth(absl::Seconds(5),
                       [&](std::vector<BackendHealth> result) {
                         health = std::move(result);
                         done.Notify();
                       });
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  ASSERT_EQ(health.size(), 2u);
  for (const BackendHealth& h : health) {
    if (h.address == dht_->address()) {
      EXPECT_TRUE(h.serving);
      EXPECT_EQ(h.status, "SERVING");
      EXPECT_EQ(h.services,
                (std::vector<std::string>{"datamgmt.dht.v1.DhtService",
                                          "datamgmt.dht.v1.PeerDialer"}));
    } else {
      EXPECT_EQ(h.address, dead);
      EXPECT_FALSE(h.serving);
      EXPECT_EQ(h.status.rfind("UNREACHABLE", 0), 0u) << h.status;
    }
  }
}

}  // namespace
}  // namespace datamgmt::gateway
