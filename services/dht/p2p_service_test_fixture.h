// The fixture of the P2pService tests: one TestNode with a fake
// peer-manager, called through a raw PeerProtocol stub over mutual TLS as
// the peer `me_` (whose key `my_key_` the stub presents). testonly.
#ifndef DATAMGMT_SERVICES_DHT_P2P_SERVICE_TEST_FIXTURE_H_
#define DATAMGMT_SERVICES_DHT_P2P_SERVICE_TEST_FIXTURE_H_

#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/crypto/sha256.h"
#include "gtest/gtest.h"
#include "services/dht/p2p_convert.h"
#include "services/dht/test_node.h"
#include "services/dht/test_peers.h"

namespace datamgmt::dht {

using kademlia::Contact;
using kademlia::NodeId;

inline std::string Key(absl::string_view value) {
  return NodeId(crypto::Sha256(value)).ToBytes();
}

class P2pServiceTest : public ::testing::Test {
 public:
  using PeerProtocol = p2p::v1::PeerProtocol;

 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    absl::StatusOr<std::unique_ptr<FakePeerManager>> pm =
        FakePeerManager::Start();
    ASSERT_TRUE(pm.ok()) << pm.status();
    pm_ = *std::move(pm);
    pm_stub_ = pm_->NewStub();
    node_ = StartNode({});
    ASSERT_NE(node_, nullptr);
    stub_ = StubAs(node_->address(), &my_key_);
    me_ = Contact{.id = NodeId(my_key_.Id()), .address = "10.9.9.9:8000"};
  }

  // A stub to `address` presenting `key`'s certificate; plaintext if null.
  static std::unique_ptr<PeerProtocol::Stub> StubAs(
      const std::string& address, const crypto::NodeKey* key) {
    return PeerProtocol::NewStub(PeerChannel(address, key));
  }

  std::unique_ptr<TestNode> StartNode(TestNodeOptions options) {
    options.key = TestKey(gen_);
    options.dir = absl::StrCat(dir_, "/node", ++nodes_);
    if (options.peer_manager_address.empty()) {
      options.peer_manager_address = pm_->address();
    }
    options.observer = &observer_;
    absl::StatusOr<std::unique_ptr<TestNode>> node =
        TestNode::Start(std::move(options));
    EXPECT_TRUE(node.ok()) << node.status();
    return node.ok() ? *std::move(node) : nullptr;
  }

  // A unary call on `stub` with a 5 s deadline.
  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(PeerProtocol::Stub* stub, Method method, Req request,
                    Resp* response, const Contact* sender) {
    if (sender != nullptr) *request.mutable_sender() = ContactToProto(*sender);
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    return (stub->*method)(&ctx, request, response);
  }
  template <typename Req, typename Resp, typename Method>
  grpc::Status Call(Method method, Req request, Resp* response) {
    return Call(stub_.get(), method, std::move(request), response, &me_);
  }

  std::mt19937_64 gen_{99};
  const crypto::NodeKey my_key_ = TestKey(gen_);
  std::string dir_;
  int nodes_ = 0;
  RecordingObserver observer_;
  std::unique_ptr<FakePeerManager> pm_;
  std::unique_ptr<peers::v1::PeerManager::Stub> pm_stub_;
  std::unique_ptr<TestNode> node_;
  std::unique_ptr<PeerProtocol::Stub> stub_;
  Contact me_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_P2P_SERVICE_TEST_FIXTURE_H_
