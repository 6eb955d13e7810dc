// dht-service's P2P traffic counters: bytes sent and received over the P2P
// protocol and call counts per PeerProtocol method, in both directions. They
// back DhtStats (bytes_sent, bytes_received, rpcs) and NetworkStats
// (data_sent, data_received) of datamgmt.dht.v1.
//
// Bytes are serialized message sizes (ByteSizeLong), headers and framing
// excluded, counted as dht.proto defines them:
//   sent     = requests we send (outbound) + responses we return (inbound)
//   received = responses we get (outbound) + requests we serve (inbound)
//
//   TrafficStats stats;
//   stats.RecordOutbound(P2pMethod::kPing, req.ByteSizeLong(),
//                        resp.ByteSizeLong(), /*ok=*/true);
//   TrafficSnapshot s = stats.Snapshot();
//
// Thread-safe and lock-free (relaxed atomics): a snapshot taken while calls
// complete may mix counts from slightly different instants.
#ifndef DATAMGMT_SERVICES_DHT_TRAFFIC_STATS_H_
#define DATAMGMT_SERVICES_DHT_TRAFFIC_STATS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "services/dht/p2p_method.h"

namespace datamgmt::dht {

// Mirrors datamgmt.dht.v1.RpcCounters.
struct RpcCounts {
  uint64_t inbound = 0;
  uint64_t inbound_errors = 0;
  uint64_t outbound = 0;
  uint64_t outbound_errors = 0;

  friend bool operator==(const RpcCounts&, const RpcCounts&) = default;
};

struct TrafficSnapshot {
  uint64_t bytes_sent = 0;
  uint64_t bytes_received = 0;
  // Indexed by static_cast<int>(P2pMethod).
  std::array<RpcCounts, kP2pMethodCount> rpcs{};

  const RpcCounts& of(P2pMethod method) const {
    return rpcs[static_cast<int>(method)];
  }
};

class TrafficStats {
 public:
  TrafficStats() = default;
  TrafficStats(const TrafficStats&) = delete;
  TrafficStats& operator=(const TrafficStats&) = delete;

  // A call this node made: `request_bytes` sent, `response_bytes` received
  // (0 if no response arrived). `ok` is false for any failure, including a
  // response that failed verification.
  void RecordOutbound(P2pMethod method, size_t request_bytes,
                      size_t response_bytes, bool ok);

  // A call this node served: `request_bytes` received, `response_bytes`
  // sent (0 when it answered with an error). `ok` is the returned status.
  void RecordInbound(P2pMethod method, size_t request_bytes,
                     size_t response_bytes, bool ok);

  uint64_t bytes_sent() const;
  uint64_t bytes_received() const;
  TrafficSnapshot Snapshot() const;

 private:
  struct Counters {
    std::atomic<uint64_t> inbound{0};
    std::atomic<uint64_t> inbound_errors{0};
    std::atomic<uint64_t> outbound{0};
    std::atomic<uint64_t> outbound_errors{0};
  };

  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> bytes_received_{0};
  std::array<Counters, kP2pMethodCount> rpcs_;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_TRAFFIC_STATS_H_
