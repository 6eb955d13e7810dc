#include "services/dht/peer_authenticator.h"

#include "absl/strings/str_cat.h"
#include "common/crypto/node_key.h"

namespace datamgmt::dht {

using kademlia::NodeId;

absl::StatusOr<NodeId> PeerAuthenticator::IdOfCertificate(
    absl::string_view pem) {
  {
    absl::MutexLock lock(&mu_);
    auto it = ids_.find(pem);
    if (it != ids_.end()) return it->second;
  }
  absl::StatusOr<crypto::Sha256Digest> digest = crypto::CertificateKeyId(pem);
  if (!digest.ok()) return digest.status();
  const NodeId id(*digest);
  absl::MutexLock lock(&mu_);
  if (ids_.size() >= options_.cache_size) ids_.clear();
  ids_.emplace(pem, id);
  return id;
}

absl::Status PeerAuthenticator::Check(
    std::optional<absl::string_view> certificate_pem, const NodeId& claimed,
    absl::string_view role) {
  if (!certificate_pem.has_value()) {
    return absl::UnauthenticatedError(absl::StrCat(
        "the peer presented no certificate; its ", role, " node ID ",
        claimed.ShortHex(), " is unproven"));
  }
  absl::StatusOr<NodeId> bound = IdOfCertificate(*certificate_pem);
  if (!bound.ok()) {
    return absl::UnauthenticatedError(
        absl::StrCat("the peer's certificate is unreadable (",
                     bound.status().message(), ")"));
  }
  if (*bound != claimed) {
    return absl::UnauthenticatedError(absl::StrCat(
        role, " node ID ", claimed.ShortHex(),
        " does not match the peer's certificate, whose key is node ",
        bound->ShortHex()));
  }
  return absl::OkStatus();
}

size_t PeerAuthenticator::cached() const {
  absl::MutexLock lock(&mu_);
  return ids_.size();
}

}  // namespace datamgmt::dht
