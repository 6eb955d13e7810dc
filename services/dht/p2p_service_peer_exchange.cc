// P2pService's peer-exchange handlers (GetPeers, SharePeers): answered from
// peer-manager, asynchronously.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/grpc_status.h"
#include "services/dht/p2p_service.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {
namespace {

using kademlia::Contact;

// One outbound call to peer-manager, alive until its completion.
template <typename Req, typename Resp>
struct PeerManagerCall {
  grpc::ClientContext ctx;
  Req request;
  Resp response;
};

absl::Status PeerManagerUnavailable(const grpc::Status& status) {
  return absl::UnavailableError(
      absl::StrCat("peer store (peer-manager) unavailable: ",
                   FromGrpcStatus(status).ToString()));
}

bool IsNode(const PeerEntry& entry, const Contact& node) {
  return (entry.node_id.has_value() && *entry.node_id == node.id) ||
         IsAtAddress(entry, node.address);
}

}  // namespace

grpc::ServerUnaryReactor* P2pService::GetPeers(
    grpc::CallbackServerContext* ctx, const p2p::v1::GetPeersRequest* request,
    p2p::v1::GetPeersResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<Contact> sender = AcceptSender(*ctx, request->sender());
  absl::Status status = sender.status();
  if (status.ok() && deps_.peer_manager == nullptr) {
    status = absl::UnavailableError("no peer store (peer-manager) configured");
  }
  if (!status.ok()) {
    Complete(reactor, P2pMethod::kGetPeers, request->ByteSizeLong(), response,
             response->mutable_responder(), status);
    return reactor;
  }
  const size_t max =
      (request->max_peers() == 0 || request->max_peers() > kMaxPeerEntries)
          ? kMaxPeerEntries
          : request->max_peers();
  using Call = PeerManagerCall<peers::v1::ListPeersRequest,
                               peers::v1::ListPeersResponse>;
  auto call = std::make_shared<Call>();
  call->ctx.set_deadline(PeerManagerDeadline(*ctx));
  call->request.set_healthy(true);
  const size_t request_bytes = request->ByteSizeLong();
  deps_.peer_manager->async()->ListPeers(
      &call->ctx, &call->request, &call->response,
      [this, call, reactor, response, request_bytes, max,
       requester = *sender](grpc::Status s) {
        if (!s.ok()) {
          Complete(reactor, P2pMethod::kGetPeers, request_bytes, response,
                   response->mutable_responder(), PeerManagerUnavailable(s));
          return;
        }
        const Contact self = deps_.self->Get();
        std::vector<PeerEntry> entries;
        for (const peers::v1::Peer& peer : call->response.peers()) {
          absl::StatusOr<PeerEntry> entry = PeerEntryFromPeer(peer);
          if (!entry.ok() || IsNode(*entry, requester) ||
              IsNode(*entry, self) || Banned(*entry)) {
            continue;
          }
          entries.push_back(*std::move(entry));
        }
        std::stable_sort(entries.begin(), entries.end(),
                         [](const PeerEntry& a, const PeerEntry& b) {
                           return a.last_seen > b.last_seen;
                         });
        if (entries.size() > max) entries.resize(max);
        for (const PeerEntry& entry : entries) {
          *response->add_peers() = PeerEntryToProto(entry);
        }
        Complete(reactor, P2pMethod::kGetPeers, request_bytes, response,
                 response->mutable_responder(), absl::OkStatus());
      });
  return reactor;
}

grpc::ServerUnaryReactor* P2pService::SharePeers(
    grpc::CallbackServerContext* ctx, const p2p::v1::SharePeersRequest* request,
    p2p::v1::SharePeersResponse* response) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  absl::StatusOr<Contact> sender = AcceptSender(*ctx, request->sender());
  absl::Status status = sender.status();
  if (status.ok() &&
      static_cast<size_t>(request->peers_size()) > kMaxPeerEntries) {
    status = absl::ResourceExhaustedError(
        absl::StrCat("SharePeers carries at most ", kMaxPeerEntries,
                     " entries, got ", request->peers_size()));
    ChargeSender(*ctx, *sender, P2pMethod::kSharePeers, status,
                 abuse::Offense::kProtocolViolation);
  }
  if (status.ok() && deps_.peer_manager == nullptr) {
    status = absl::UnavailableError("no peer store (peer-manager) configured");
  }
  if (!status.ok()) {
    Complete(reactor, P2pMethod::kSharePeers, request->ByteSizeLong(), response,
             response->mutable_responder(), status);
    return reactor;
  }
  using Call = PeerManagerCall<peers::v1::MergePeersRequest,
                               peers::v1::MergePeersResponse>;
  auto call = std::make_shared<Call>();
  const Contact self = deps_.self->Get();
  uint32_t ignored = 0;
  for (const p2p::v1::PeerEntry& proto : request->peers()) {
    absl::StatusOr<PeerEntry> entry = PeerEntryFromProto(proto);
    if (!entry.ok() || IsNode(*entry, self) || Banned(*entry)) {
      ++ignored;
      continue;
    }
    *call->request.add_peers() = PeerEntryToHint(*entry);
  }
  const size_t request_bytes = request->ByteSizeLong();
  if (call->request.peers_size() == 0) {
    response->set_ignored(ignored);
    Complete(reactor, P2pMethod::kSharePeers, request_bytes, response,
             response->mutable_responder(), absl::OkStatus());
    return reactor;
  }
  call->request.set_source(peers::v1::PEER_SOURCE_PEER_EXCHANGE);
  call->request.set_learned_from(sender->address);
  call->ctx.set_deadline(PeerManagerDeadline(*ctx));
  deps_.peer_manager->async()->MergePeers(
      &call->ctx, &call->request, &call->response,
      [this, call, reactor, response, request_bytes, ignored](grpc::Status s) {
        if (!s.ok()) {
          Complete(reactor, P2pMethod::kSharePeers, request_bytes, response,
                   response->mutable_responder(), PeerManagerUnavailable(s));
          return;
        }
        response->set_added(call->response.added());
        response->set_ignored(call->response.ignored() + ignored);
        Complete(reactor, P2pMethod::kSharePeers, request_bytes, response,
                 response->mutable_responder(), absl::OkStatus());
      });
  return reactor;
}

}  // namespace datamgmt::dht
