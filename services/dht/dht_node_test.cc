// A whole node as a process sees it: reflection (what grpcurl lists) and
// grpc.health.v1 on both ports, and the maintenance loop (a thread of the
// node) delivering contact reports to peer-manager.
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "services/dht/dht_network_fixture.h"

namespace datamgmt::dht {
namespace {

// What grpcurl's "list" gets: one ServerReflectionInfo exchange with
// list_services set, by hand-encoded bytes (Debian ships no reflection
// stubs). Returns the raw ServerReflectionResponse, or "" on failure.
std::string ListServicesRaw(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::CompletionQueue cq;
  grpc::GenericStub generic(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto call = generic.PrepareCall(
      &ctx, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      &cq);
  auto step = [&cq](auto start) {
    int tag = 0;
    start(&tag);
    void* got = nullptr;
    bool ok = false;
    return cq.Next(&got, &ok) && got == &tag && ok;
  };
  // ServerReflectionRequest{list_services = ""}: field 7, length 0.
  grpc::Slice slice(std::string("\x3a\x00", 2));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  const bool ok = step([&](void* t) { call->StartCall(t); }) &&
                  step([&](void* t) { call->Write(request, t); }) &&
                  step([&](void* t) { call->WritesDone(t); }) &&
                  step([&](void* t) { call->Read(&response, t); });
  step([&](void* t) { call->Finish(&status, t); });
  cq.Shutdown();
  void* ignored;
  bool ignored_ok;
  while (cq.Next(&ignored, &ignored_ok)) {
  }
  if (!ok || !status.ok()) return "";
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return "";
  std::string out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

TEST_F(DhtNetworkTest, ReflectionAndHealthOnBothPorts) {
  Build(1);
  for (const std::string& address :
       {nodes_[0]->api_address(), nodes_[0]->address()}) {
    // The P2P port is mutual TLS: any node's key will do for these.
    const crypto::NodeKey key = TestKey(gen_);
    auto channel =
        address == nodes_[0]->api_address()
            ? grpc::CreateChannel(address, grpc::InsecureChannelCredentials())
            : PeerChannel(address, &key);
    auto health = grpc::health::v1::Health::NewStub(channel);
    grpc::health::v1::HealthCheckRequest check;
    grpc::health::v1::HealthCheckResponse serving;
    ASSERT_TRUE(
        Call(*health, &grpc::health::v1::Health::Stub::Check, check, &serving)
            .ok());
    EXPECT_EQ(serving.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    const std::string listed = ListServicesRaw(channel);
    const std::vector<std::string> expected =
        address == nodes_[0]->api_address()
            ? std::vector<std::string>{"datamgmt.dht.v1.DhtService",
                                       "datamgmt.dht.v1.PeerDialer",
                                       "grpc.health.v1.Health"}
            : std::vector<std::string>{"datamgmt.p2p.v1.PeerProtocol",
                                       "grpc.health.v1.Health"};
    for (const std::string& name : expected) {
      EXPECT_NE(listed.find(name), std::string::npos)
          << name << " at " << address;
    }
  }
}

TEST_F(DhtNetworkTest, MaintenanceLoopReportsContactsToPeerManager) {
  absl::StatusOr<std::unique_ptr<FakePeerManager>> pm =
      FakePeerManager::Start();
  ASSERT_TRUE(pm.ok());
  TestNodeOptions options;
  options.peer_manager_address = (*pm)->address();
  options.run_maintenance_thread = true;
  options.reporter.flush_interval = absl::Milliseconds(100);
  Build(3, options);
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  bool reported = false;
  while (!reported && absl::Now() < deadline) {
    reported =
        !(*pm)->record_requests().empty() && !(*pm)->merge_requests().empty();
    if (!reported) absl::SleepFor(absl::Milliseconds(10));  // polling
  }
  ASSERT_TRUE(reported);
  const peers::v1::ContactResult& first =
      (*pm)->record_requests()[0].results(0);
  EXPECT_EQ(first.source(), peers::v1::PEER_SOURCE_DHT);
  EXPECT_EQ((*pm)->merge_requests()[0].source(),
            peers::v1::PEER_SOURCE_INBOUND);
  nodes_.clear();  // clean shutdown with the loop running
}

}  // namespace
}  // namespace datamgmt::dht
