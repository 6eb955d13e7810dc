// PeerManagerService: datamgmt.peers.v1.PeerManager over a PeerStore. A
// thin adapter: it converts protos (peer_convert.h), calls the store and
// maps absl::Status codes onto gRPC statuses unchanged.
//
//   PeerManagerService service(store, clock);
//   GrpcServer::Start({.listen_address = "127.0.0.1:9001"},
//                     {{&service, "datamgmt.peers.v1.PeerManager"}});
//
// Durability (peers.proto): AddPeer and RemovePeer answer after their own
// save of known_peers.json; if that write fails the change stays in memory,
// is retried by the driver, and the call fails with the write's error.
// RecordContacts and MergePeers mark the store dirty (written within 10 s).
//
// Thread-safe; handlers run on gRPC's callback threads.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_SERVICE_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_SERVICE_H_

#include "common/time/clock.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/peer_manager/peer_store.h"

namespace datamgmt::peer_manager {

class PeerManagerService final
    : public peers::v1::PeerManager::CallbackService {
 public:
  // `store` and `clock` are not owned and must outlive the service.
  PeerManagerService(PeerStore& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  grpc::ServerUnaryReactor* ListPeers(
      grpc::CallbackServerContext* ctx, const peers::v1::ListPeersRequest* req,
      peers::v1::ListPeersResponse* resp) override;
  grpc::ServerUnaryReactor* GetPeer(grpc::CallbackServerContext* ctx,
                                    const peers::v1::GetPeerRequest* req,
                                    peers::v1::Peer* resp) override;
  grpc::ServerUnaryReactor* AddPeer(grpc::CallbackServerContext* ctx,
                                    const peers::v1::AddPeerRequest* req,
                                    peers::v1::Peer* resp) override;
  grpc::ServerUnaryReactor* RemovePeer(grpc::CallbackServerContext* ctx,
                                       const peers::v1::RemovePeerRequest* req,
                                       google::protobuf::Empty* resp) override;
  grpc::ServerUnaryReactor* RecordContacts(
      grpc::CallbackServerContext* ctx,
      const peers::v1::RecordContactsRequest* req,
      peers::v1::RecordContactsResponse* resp) override;
  grpc::ServerUnaryReactor* MergePeers(
      grpc::CallbackServerContext* ctx, const peers::v1::MergePeersRequest* req,
      peers::v1::MergePeersResponse* resp) override;
  grpc::ServerUnaryReactor* ReportPeerStandings(
      grpc::CallbackServerContext* ctx,
      const peers::v1::ReportPeerStandingsRequest* req,
      peers::v1::ReportPeerStandingsResponse* resp) override;
  grpc::ServerUnaryReactor* GetPeerStats(
      grpc::CallbackServerContext* ctx,
      const peers::v1::GetPeerStatsRequest* req,
      peers::v1::PeerStats* resp) override;

 private:
  PeerStore& store_;
  const Clock& clock_;
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_MANAGER_SERVICE_H_
