// FakePeerDialer: an in-process datamgmt.dht.v1.PeerDialer for peer-manager
// tests, served over real gRPC on loopback. Answers are scripted per
// address; every call is counted.
//
//   FakePeerDialer dialer;
//   dialer.SetPing("10.0.0.7:8000", {.success = true, .node_id = hex});
//   ... node's driver pings it ...
//   EXPECT_EQ(dialer.pings("10.0.0.7:8000"), 1);
//
// Thread-safe.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_FAKE_PEER_DIALER_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_FAKE_PEER_DIALER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"

namespace datamgmt::peer_manager {

struct FakeAnswer {
  bool success = true;
  // The responder's ID (64 hex digits); empty: none.
  std::string node_id{};
  bool is_self = false;
  // ExchangePeers only: what the remote shares.
  std::vector<std::string> received{};
};

class FakePeerDialer final : public dht::v1::PeerDialer::CallbackService {
 public:
  // Unscripted addresses answer with a failure (UNAVAILABLE).
  void SetAnswer(const std::string& address, FakeAnswer answer);

  int pings(const std::string& address) const;
  int exchanges(const std::string& address) const;
  int total_pings() const;
  int total_exchanges() const;
  // The `share` lists of the exchanges with `address`, in call order.
  std::vector<std::vector<std::string>> shared(
      const std::string& address) const;

  grpc::ServerUnaryReactor* PingPeer(grpc::CallbackServerContext* ctx,
                                     const dht::v1::PingPeerRequest* req,
                                     dht::v1::PingPeerResponse* resp) override;
  grpc::ServerUnaryReactor* ExchangePeers(
      grpc::CallbackServerContext* ctx,
      const dht::v1::ExchangePeersRequest* req,
      dht::v1::ExchangePeersResponse* resp) override;

 private:
  FakeAnswer AnswerFor(const std::string& address) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, FakeAnswer> answers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> pings_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> exchanges_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::vector<std::string>>> shared_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_FAKE_PEER_DIALER_H_
