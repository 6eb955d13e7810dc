// The methods of the P2P protocol (datamgmt.p2p.v1.PeerProtocol), as a
// plain enum for counters and reports.
//
//   P2pMethodName(P2pMethod::kFindValue) == "FindValue"
#ifndef DATAMGMT_SERVICES_DHT_P2P_METHOD_H_
#define DATAMGMT_SERVICES_DHT_P2P_METHOD_H_

#include "absl/strings/string_view.h"

namespace datamgmt::dht {

enum class P2pMethod {
  kPing,
  kFindNode,
  kFindValue,
  kStore,
  kGetPeers,
  kSharePeers,
};
inline constexpr int kP2pMethodCount = 6;

// The method's name in PeerProtocol ("Ping", "FindNode", ...), the key of
// DhtStats.rpcs.
absl::string_view P2pMethodName(P2pMethod method);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_P2P_METHOD_H_
