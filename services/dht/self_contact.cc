#include "services/dht/self_contact.h"

#include <utility>

#include "common/net/peer_address.h"

namespace datamgmt::dht {

absl::Status SelfContact::SetAddress(std::string address) {
  if (absl::Status s = net::ValidatePeerAddress(address); !s.ok()) return s;
  absl::MutexLock lock(&mu_);
  address_ = std::move(address);
  return absl::OkStatus();
}

}  // namespace datamgmt::dht
