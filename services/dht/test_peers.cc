#include "services/dht/test_peers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/peer_tls.h"
#include "services/dht/p2p_convert.h"

namespace datamgmt::dht {

using kademlia::Contact;

namespace {
constexpr absl::Duration kGrace = absl::Seconds(1);
}  // namespace

// ---- ScriptedPeer ----------------------------------------------------------

absl::StatusOr<std::unique_ptr<ScriptedPeer>> ScriptedPeer::Start(
    const crypto::NodeKey& key, bool insecure) {
  std::unique_ptr<ScriptedPeer> peer(
      new ScriptedPeer(kademlia::NodeId(key.Id())));
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!insecure) {
    absl::StatusOr<std::string> cert = key.SelfSignedCertificatePem(absl::Now());
    if (!cert.ok()) return cert.status();
    credentials = PeerServerCredentials(
        {.private_key_pem = key.PrivateKeyPem(), .certificate_pem = *cert});
  }
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = "127.0.0.1:0",
       .shutdown_grace = kGrace,
       .credentials = std::move(credentials)},
      {{peer.get(), std::string(p2p::v1::PeerProtocol::service_full_name())}});
  if (!server.ok()) return server.status();
  peer->server_ = *std::move(server);
  absl::MutexLock lock(&peer->mu_);
  peer->address_ = absl::StrCat("127.0.0.1:", peer->server_->port());
  return peer;
}

ScriptedPeer::~ScriptedPeer() {
  server_->Shutdown();
  server_.reset();
}

Contact ScriptedPeer::contact() const {
  absl::MutexLock lock(&mu_);
  return Contact{.id = id_, .address = address_};
}

void ScriptedPeer::SetResponder(p2p::v1::Contact responder) {
  absl::MutexLock lock(&mu_);
  responder_ = std::move(responder);
}

void ScriptedPeer::SetContacts(std::vector<p2p::v1::Contact> contacts) {
  absl::MutexLock lock(&mu_);
  contacts_ = std::move(contacts);
}

void ScriptedPeer::SetValue(std::string bytes) {
  absl::MutexLock lock(&mu_);
  value_ = std::move(bytes);
}

void ScriptedPeer::SetStatus(grpc::Status status) {
  absl::MutexLock lock(&mu_);
  status_ = std::move(status);
}

int ScriptedPeer::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

std::optional<p2p::v1::Contact> ScriptedPeer::last_sender() const {
  absl::MutexLock lock(&mu_);
  return last_sender_;
}

grpc::Status ScriptedPeer::Serve(const p2p::v1::Contact& sender,
                                 p2p::v1::Contact* responder) {
  absl::MutexLock lock(&mu_);
  ++calls_;
  last_sender_ = sender;
  *responder = responder_.value_or(
      ContactToProto(Contact{.id = id_, .address = address_}));
  return status_;
}

grpc::ServerUnaryReactor* ScriptedPeer::Ping(
    grpc::CallbackServerContext* ctx, const p2p::v1::PingRequest* request,
    p2p::v1::PingResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(Serve(request->sender(), response->mutable_responder()));
  return reactor;
}

grpc::ServerUnaryReactor* ScriptedPeer::FindNode(
    grpc::CallbackServerContext* ctx, const p2p::v1::FindNodeRequest* request,
    p2p::v1::FindNodeResponse* response) {
  grpc::Status status = Serve(request->sender(), response->mutable_responder());
  {
    absl::MutexLock lock(&mu_);
    for (const p2p::v1::Contact& c : contacts_) *response->add_contacts() = c;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* ScriptedPeer::FindValue(
    grpc::CallbackServerContext* ctx, const p2p::v1::FindValueRequest* request,
    p2p::v1::FindValueResponse* response) {
  grpc::Status status = Serve(request->sender(), response->mutable_responder());
  {
    absl::MutexLock lock(&mu_);
    if (value_.has_value()) {
      response->set_value(*value_);
    } else {
      p2p::v1::ContactList* closer = response->mutable_closer();
      for (const p2p::v1::Contact& c : contacts_) *closer->add_contacts() = c;
    }
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* ScriptedPeer::Store(
    grpc::CallbackServerContext* ctx, const p2p::v1::StoreRequest* request,
    p2p::v1::StoreResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(Serve(request->sender(), response->mutable_responder()));
  return reactor;
}

// ---- SilentPeer ------------------------------------------------------------

absl::StatusOr<std::unique_ptr<SilentPeer>> SilentPeer::Start() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = std::strerror(errno);
    close(fd);
    return absl::InternalError(error);
  }
  // The kernel completes TCP handshakes into the backlog; nobody ever reads.
  return std::unique_ptr<SilentPeer>(
      new SilentPeer(fd, absl::StrCat("127.0.0.1:", ntohs(addr.sin_port))));
}

SilentPeer::~SilentPeer() { close(fd_); }

// ---- FakePeerManager -------------------------------------------------------

absl::StatusOr<std::unique_ptr<FakePeerManager>> FakePeerManager::Start() {
  std::unique_ptr<FakePeerManager> pm(new FakePeerManager());
  absl::StatusOr<std::unique_ptr<GrpcServer>> server = GrpcServer::Start(
      {.listen_address = "127.0.0.1:0", .shutdown_grace = kGrace},
      {{pm.get(), std::string(peers::v1::PeerManager::service_full_name())}});
  if (!server.ok()) return server.status();
  pm->server_ = *std::move(server);
  return pm;
}

FakePeerManager::~FakePeerManager() {
  server_->Shutdown();
  server_.reset();
}

std::string FakePeerManager::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

std::unique_ptr<peers::v1::PeerManager::Stub> FakePeerManager::NewStub() const {
  return peers::v1::PeerManager::NewStub(
      grpc::CreateChannel(address(), grpc::InsecureChannelCredentials()));
}

void FakePeerManager::SetPeers(std::vector<peers::v1::Peer> peers) {
  absl::MutexLock lock(&mu_);
  peers_ = std::move(peers);
}

std::vector<peers::v1::ListPeersRequest> FakePeerManager::list_requests()
    const {
  absl::MutexLock lock(&mu_);
  return list_requests_;
}

std::vector<peers::v1::MergePeersRequest> FakePeerManager::merge_requests()
    const {
  absl::MutexLock lock(&mu_);
  return merge_requests_;
}

grpc::ServerUnaryReactor* FakePeerManager::ListPeers(
    grpc::CallbackServerContext* ctx,
    const peers::v1::ListPeersRequest* request,
    peers::v1::ListPeersResponse* response) {
  {
    absl::MutexLock lock(&mu_);
    list_requests_.push_back(*request);
    for (const peers::v1::Peer& p : peers_) *response->add_peers() = p;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakePeerManager::MergePeers(
    grpc::CallbackServerContext* ctx,
    const peers::v1::MergePeersRequest* request,
    peers::v1::MergePeersResponse* response) {
  {
    absl::MutexLock lock(&mu_);
    merge_requests_.push_back(*request);
  }
  response->set_added(static_cast<uint32_t>(request->peers_size()));
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

std::vector<peers::v1::RecordContactsRequest> FakePeerManager::record_requests()
    const {
  absl::MutexLock lock(&mu_);
  return record_requests_;
}

void FakePeerManager::SetStats(peers::v1::PeerStats stats) {
  absl::MutexLock lock(&mu_);
  stats_ = std::move(stats);
}

void FakePeerManager::SetRecordStatus(grpc::Status status) {
  absl::MutexLock lock(&mu_);
  record_status_ = std::move(status);
}

grpc::ServerUnaryReactor* FakePeerManager::RecordContacts(
    grpc::CallbackServerContext* ctx,
    const peers::v1::RecordContactsRequest* request,
    peers::v1::RecordContactsResponse* response) {
  grpc::Status status;
  {
    absl::MutexLock lock(&mu_);
    status = record_status_;
    if (status.ok()) record_requests_.push_back(*request);
  }
  response->set_applied(static_cast<uint32_t>(request->results_size()));
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* FakePeerManager::GetPeerStats(
    grpc::CallbackServerContext* ctx,
    const peers::v1::GetPeerStatsRequest* request,
    peers::v1::PeerStats* response) {
  {
    absl::MutexLock lock(&mu_);
    *response = stats_;
  }
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FakePeerManager::ReportPeerStandings(
    grpc::CallbackServerContext* ctx,
    const peers::v1::ReportPeerStandingsRequest* request,
    peers::v1::ReportPeerStandingsResponse* response) {
  {
    absl::MutexLock lock(&mu_);
    standing_reports_.push_back(*request);
  }
  response->set_accepted(static_cast<uint32_t>(request->standings_size()));
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

std::vector<peers::v1::ReportPeerStandingsRequest>
FakePeerManager::standing_reports() const {
  absl::MutexLock lock(&mu_);
  return standing_reports_;
}

}  // namespace datamgmt::dht
