// Fake peer-manager and dht-service PeerDialer servers on 127.0.0.1, port 0,
// for this package's tests. testonly; thread-safe.
//
//   auto pm = FakePeerManager::Start();     // ListPeers from SetPeers
//   auto dialer = FakePeerDialer::Start();  // PingPeer from SetBehavior
//   dialer->SetBehavior("10.0.0.1:8000", PingBehavior::kHang);
#ifndef DATAMGMT_SERVICES_HEALTH_MONITOR_TEST_FAKES_H_
#define DATAMGMT_SERVICES_HEALTH_MONITOR_TEST_FAKES_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc/server.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"

namespace datamgmt::health {

// A peer store: ListPeers lists it, RecordContacts and RemovePeer are
// recorded; RemovePeer applies last_seen_before like peer-manager.
class FakePeerManager final : public peers::v1::PeerManager::CallbackService {
 public:
  static absl::StatusOr<std::unique_ptr<FakePeerManager>> Start();
  ~FakePeerManager() override;

  std::string address() const;
  void SetPeers(std::vector<peers::v1::Peer> peers);
  // ListPeers answers with these instead of the store, as if the store
  // changed right after the listing.
  void SetListedPeers(std::vector<peers::v1::Peer> peers);
  // A peer at `address` last seen at `last_seen` (Unix seconds).
  static peers::v1::Peer MakePeer(const std::string& address, double last_seen);
  std::vector<peers::v1::Peer> peers() const;
  int list_calls() const;
  std::vector<peers::v1::RecordContactsRequest> record_requests() const;
  std::vector<peers::v1::RemovePeerRequest> remove_requests() const;

  grpc::ServerUnaryReactor* ListPeers(
      grpc::CallbackServerContext* ctx,
      const peers::v1::ListPeersRequest* request,
      peers::v1::ListPeersResponse* response) override;
  grpc::ServerUnaryReactor* RecordContacts(
      grpc::CallbackServerContext* ctx,
      const peers::v1::RecordContactsRequest* request,
      peers::v1::RecordContactsResponse* response) override;
  grpc::ServerUnaryReactor* RemovePeer(
      grpc::CallbackServerContext* ctx,
      const peers::v1::RemovePeerRequest* request,
      google::protobuf::Empty* response) override;

 private:
  FakePeerManager() = default;
  std::unique_ptr<GrpcServer> server_;
  mutable absl::Mutex mu_;
  std::vector<peers::v1::Peer> peers_ ABSL_GUARDED_BY(mu_);
  std::optional<std::vector<peers::v1::Peer>> listed_ ABSL_GUARDED_BY(mu_);
  int list_calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<peers::v1::RecordContactsRequest> records_ ABSL_GUARDED_BY(mu_);
  std::vector<peers::v1::RemovePeerRequest> removes_ ABSL_GUARDED_BY(mu_);
};

enum class PingBehavior {
  kSuccess,  // success, node_id "ab"*32, rtt 7 ms
  kFailure,  // success = false, error UNAVAILABLE
  kSelf,     // is_self
  kHang,     // never answers; the call ends at the caller's deadline
};

class FakePeerDialer final : public dht::v1::PeerDialer::CallbackService {
 public:
  static absl::StatusOr<std::unique_ptr<FakePeerDialer>> Start();
  ~FakePeerDialer() override;

  std::string address() const;
  // Default for unlisted addresses: kFailure.
  void SetBehavior(const std::string& address, PingBehavior behavior);
  std::vector<std::string> pinged() const;  // addresses, in arrival order
  int max_in_flight() const;

  grpc::ServerUnaryReactor* PingPeer(
      grpc::CallbackServerContext* ctx, const dht::v1::PingPeerRequest* request,
      dht::v1::PingPeerResponse* response) override;

 private:
  FakePeerDialer() = default;
  void CallEnded();
  std::unique_ptr<GrpcServer> server_;
  mutable absl::Mutex mu_;
  std::map<std::string, PingBehavior> behavior_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> pinged_ ABSL_GUARDED_BY(mu_);
  int in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int max_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace datamgmt::health

#endif  // DATAMGMT_SERVICES_HEALTH_MONITOR_TEST_FAKES_H_
