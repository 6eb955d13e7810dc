#include "services/dht/p2p_method.h"

namespace datamgmt::dht {

absl::string_view P2pMethodName(P2pMethod method) {
  switch (method) {
    case P2pMethod::kPing:
      return "Ping";
    case P2pMethod::kFindNode:
      return "FindNode";
    case P2pMethod::kFindValue:
      return "FindValue";
    case P2pMethod::kStore:
      return "Store";
    case P2pMethod::kGetPeers:
      return "GetPeers";
    case P2pMethod::kSharePeers:
      return "SharePeers";
  }
  return "Unknown";
}

}  // namespace datamgmt::dht
