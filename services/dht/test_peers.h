// Test doubles on real sockets for the P2P tests:
//  * ScriptedPeer: a PeerProtocol server whose answers the test scripts
//    (responder, contacts, FindValue bytes that may be tampered, a status),
//    presenting the certificate of its key (or plaintext).
//  * SilentPeer: a listening socket that accepts connections and never
//    answers (a hung peer: calls to it end only at their deadline).
//  * FakePeerManager: a PeerManager server answering ListPeers and
//    GetPeerStats from scripted values and recording MergePeers,
//    RecordContacts and ReportPeerStandings.
//  * RecordingObserver: a ContactObserver that keeps what it is told.
// All bind 127.0.0.1, port 0. testonly; thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_TEST_PEERS_H_
#define DATAMGMT_SERVICES_DHT_TEST_PEERS_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto/node_key.h"
#include "common/grpc/server.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "datamgmt/p2p/v1/p2p.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/dht/contact_observer.h"

namespace datamgmt::dht {

class ScriptedPeer final : public p2p::v1::PeerProtocol::CallbackService {
 public:
  // Serves mutual TLS with a certificate of `key` (as a node does), or
  // plaintext if `insecure`. Its ID is the key's.
  static absl::StatusOr<std::unique_ptr<ScriptedPeer>> Start(
      const crypto::NodeKey& key, bool insecure = false);
  ~ScriptedPeer() override;

  // Its key's ID and "127.0.0.1:<port>".
  kademlia::Contact contact() const;

  // Every answer's responder. Default: contact().
  void SetResponder(p2p::v1::Contact responder);
  // FindNode's contacts, and FindValue's closer contacts when no value is
  // set. Default: none.
  void SetContacts(std::vector<p2p::v1::Contact> contacts);
  // FindValue answers with these bytes, whatever the key.
  void SetValue(std::string bytes);
  // Every call ends with this status. Default: OK.
  void SetStatus(grpc::Status status);

  // Calls served so far, and the last request's sender.
  int calls() const;
  std::optional<p2p::v1::Contact> last_sender() const;

  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* ctx,
                                 const p2p::v1::PingRequest* request,
                                 p2p::v1::PingResponse* response) override;
  grpc::ServerUnaryReactor* FindNode(
      grpc::CallbackServerContext* ctx, const p2p::v1::FindNodeRequest* request,
      p2p::v1::FindNodeResponse* response) override;
  grpc::ServerUnaryReactor* FindValue(
      grpc::CallbackServerContext* ctx,
      const p2p::v1::FindValueRequest* request,
      p2p::v1::FindValueResponse* response) override;
  grpc::ServerUnaryReactor* Store(grpc::CallbackServerContext* ctx,
                                  const p2p::v1::StoreRequest* request,
                                  p2p::v1::StoreResponse* response) override;

 private:
  explicit ScriptedPeer(kademlia::NodeId id) : id_(id) {}
  // Records the call; returns the status to end it with and sets the
  // responder.
  grpc::Status Serve(const p2p::v1::Contact& sender,
                     p2p::v1::Contact* responder);

  const kademlia::NodeId id_;
  std::unique_ptr<GrpcServer> server_;
  mutable absl::Mutex mu_;
  std::string address_ ABSL_GUARDED_BY(mu_);
  std::optional<p2p::v1::Contact> responder_ ABSL_GUARDED_BY(mu_);
  std::vector<p2p::v1::Contact> contacts_ ABSL_GUARDED_BY(mu_);
  std::optional<std::string> value_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<p2p::v1::Contact> last_sender_ ABSL_GUARDED_BY(mu_);
};

class SilentPeer {
 public:
  static absl::StatusOr<std::unique_ptr<SilentPeer>> Start();
  ~SilentPeer();
  // "127.0.0.1:<port>".
  const std::string& address() const { return address_; }

 private:
  SilentPeer(int fd, std::string address)
      : fd_(fd), address_(std::move(address)) {}
  const int fd_;
  const std::string address_;
};

class FakePeerManager final : public peers::v1::PeerManager::CallbackService {
 public:
  static absl::StatusOr<std::unique_ptr<FakePeerManager>> Start();
  ~FakePeerManager() override;

  std::string address() const;
  std::unique_ptr<peers::v1::PeerManager::Stub> NewStub() const;

  // ListPeers answers with these (whatever the filter).
  void SetPeers(std::vector<peers::v1::Peer> peers);
  std::vector<peers::v1::ListPeersRequest> list_requests() const;
  std::vector<peers::v1::MergePeersRequest> merge_requests() const;
  std::vector<peers::v1::RecordContactsRequest> record_requests() const;
  // GetPeerStats answers with this. Default: zeros.
  void SetStats(peers::v1::PeerStats stats);
  // Every RecordContacts ends with this status. Default: OK.
  void SetRecordStatus(grpc::Status status);

  grpc::ServerUnaryReactor* ListPeers(
      grpc::CallbackServerContext* ctx,
      const peers::v1::ListPeersRequest* request,
      peers::v1::ListPeersResponse* response) override;
  // Adds every hint (added = hints, ignored = 0).
  grpc::ServerUnaryReactor* MergePeers(
      grpc::CallbackServerContext* ctx,
      const peers::v1::MergePeersRequest* request,
      peers::v1::MergePeersResponse* response) override;
  grpc::ServerUnaryReactor* RecordContacts(
      grpc::CallbackServerContext* ctx,
      const peers::v1::RecordContactsRequest* request,
      peers::v1::RecordContactsResponse* response) override;
  grpc::ServerUnaryReactor* GetPeerStats(
      grpc::CallbackServerContext* ctx,
      const peers::v1::GetPeerStatsRequest* request,
      peers::v1::PeerStats* response) override;
  // Records the report (accepted = its size).
  grpc::ServerUnaryReactor* ReportPeerStandings(
      grpc::CallbackServerContext* ctx,
      const peers::v1::ReportPeerStandingsRequest* request,
      peers::v1::ReportPeerStandingsResponse* response) override;
  std::vector<peers::v1::ReportPeerStandingsRequest> standing_reports() const;

 private:
  FakePeerManager() = default;

  std::unique_ptr<GrpcServer> server_;
  mutable absl::Mutex mu_;
  std::vector<peers::v1::Peer> peers_ ABSL_GUARDED_BY(mu_);
  std::vector<peers::v1::ListPeersRequest> list_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<peers::v1::MergePeersRequest> merge_requests_
      ABSL_GUARDED_BY(mu_);
  std::vector<peers::v1::RecordContactsRequest> record_requests_
      ABSL_GUARDED_BY(mu_);
  peers::v1::PeerStats stats_ ABSL_GUARDED_BY(mu_);
  std::vector<peers::v1::ReportPeerStandingsRequest> standing_reports_
      ABSL_GUARDED_BY(mu_);
  grpc::Status record_status_ ABSL_GUARDED_BY(mu_);
};

class RecordingObserver final : public ContactObserver {
 public:
  void OnContactResult(const ContactReport& report) override {
    absl::MutexLock lock(&mu_);
    results_.push_back(report);
  }
  void OnInboundSender(const kademlia::Contact& sender) override {
    absl::MutexLock lock(&mu_);
    senders_.push_back(sender);
  }
  std::vector<ContactReport> results() const {
    absl::MutexLock lock(&mu_);
    return results_;
  }
  std::vector<kademlia::Contact> senders() const {
    absl::MutexLock lock(&mu_);
    return senders_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<ContactReport> results_ ABSL_GUARDED_BY(mu_);
  std::vector<kademlia::Contact> senders_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_TEST_PEERS_H_
