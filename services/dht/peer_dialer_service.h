// PeerDialer (datamgmt.dht.v1.PeerDialer) over the gRPC callback API: the
// node's other processes dial remote nodes' P2P port through dht-service,
// so the node has one identity and one traffic count (peer_dialer.proto).
//
//   absl::StatusOr<std::unique_ptr<PeerDialerService>> dialer =
//       PeerDialerService::Create({.self = &self, .client = client.get(),
//                                  .learner = &learner});
//
//  * PingPeer: a P2P Ping; timeout 0 means 5 s, at most 60 s, and never past
//    the caller's deadline.
//  * ExchangePeers: P2P GetPeers, then SharePeers with the caller's hints
//    (at most 100, else RESOURCE_EXHAUSTED; malformed ones, the remote and
//    this node left out); timeout per call 0 means 10 s, at most 60 s.
// Remote outcomes are data (success, error, rtt, is_self), never this RPC's
// status; they are not reported to the ContactObserver (the caller reports
// them). A successful answer teaches the routing table its responder.
// INVALID_ARGUMENT for a malformed address or timeout; DEADLINE_EXCEEDED if
// the caller's deadline has already passed.
//
// Thread-safe; handlers never block. Everything in PeerDialerDeps must
// outlive the server and the PeerClient's calls.
#ifndef DATAMGMT_SERVICES_DHT_PEER_DIALER_SERVICE_H_
#define DATAMGMT_SERVICES_DHT_PEER_DIALER_SERVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "services/dht/contact_learner.h"
#include "services/dht/peer_client.h"
#include "services/dht/self_contact.h"

namespace datamgmt::dht {

struct PeerDialerDeps {
  const SelfContact* self = nullptr;  // required
  PeerClient* client = nullptr;       // required
  ContactLearner* learner = nullptr;  // required
};

// The remote call's timeout from a request's `timeout` field: `fallback`
// for zero, at most 60 s, and never past `caller_deadline`. Returns
// InvalidArgument for a negative or malformed timeout, DeadlineExceeded if
// the caller's deadline has passed.
absl::StatusOr<absl::Duration> DialTimeout(
    const google::protobuf::Duration& requested, absl::Duration fallback,
    absl::Time now, absl::Time caller_deadline);

class PeerDialerService final : public dht::v1::PeerDialer::CallbackService {
 public:
  // Returns InvalidArgument if a dependency is missing.
  static absl::StatusOr<std::unique_ptr<PeerDialerService>> Create(
      PeerDialerDeps deps);

  grpc::ServerUnaryReactor* PingPeer(
      grpc::CallbackServerContext* ctx, const dht::v1::PingPeerRequest* request,
      dht::v1::PingPeerResponse* response) override;
  grpc::ServerUnaryReactor* ExchangePeers(
      grpc::CallbackServerContext* ctx,
      const dht::v1::ExchangePeersRequest* request,
      dht::v1::ExchangePeersResponse* response) override;

 private:
  explicit PeerDialerService(PeerDialerDeps deps) : deps_(deps) {}

  const PeerDialerDeps deps_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_PEER_DIALER_SERVICE_H_
