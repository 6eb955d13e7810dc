// Helpers shared by the PeerTable tests.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_PEER_TABLE_TEST_UTIL_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_PEER_TABLE_TEST_UTIL_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "common/kademlia/node_id.h"
#include "services/peer_manager/peer_table.h"

namespace datamgmt::peer_manager::testing {

// A fixed start time, so that no test depends on the clock.
inline const absl::Time kT0 = absl::FromUnixSeconds(1'705'312'200);

// A distinct, valid node ID per `n`.
inline kademlia::NodeId Id(int n) {
  kademlia::IdBytes bytes{};
  bytes[0] = static_cast<uint8_t>(n >> 8);
  bytes[31] = static_cast<uint8_t>(n);
  bytes[15] = 0xab;
  return kademlia::NodeId(bytes);
}
inline std::string Hex(int n) { return Id(n).ToHex(); }

inline ContactResult Success(std::string address, std::string node_id = "",
                             std::optional<absl::Time> at = std::nullopt,
                             std::optional<absl::Duration> rtt = std::nullopt) {
  ContactResult r;
  r.address = std::move(address);
  r.node_id = std::move(node_id);
  r.success = true;
  r.observed_at = at;
  r.rtt = rtt;
  return r;
}

inline ContactResult Failure(std::string address) {
  ContactResult r;
  r.address = std::move(address);
  return r;
}

inline PeerHint Hint(std::string address, std::string node_id = "",
                     std::optional<absl::Time> last_seen = std::nullopt) {
  PeerHint h;
  h.address = std::move(address);
  h.node_id = std::move(node_id);
  h.last_seen = last_seen;
  return h;
}

// A table whose own address is "10.0.0.1:8000" and own ID Id(0).
inline PeerTable MakeTable(int max_peers = kDefaultMaxPeers) {
  PeerTableOptions options;
  options.max_peers = max_peers;
  options.self_addresses = {"10.0.0.1:8000", "node0:8000"};
  options.self_id = Id(0);
  return *PeerTable::Create(std::move(options));
}

}  // namespace datamgmt::peer_manager::testing

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_PEER_TABLE_TEST_UTIL_H_
