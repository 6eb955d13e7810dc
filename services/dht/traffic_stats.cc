#include "services/dht/traffic_stats.h"

namespace datamgmt::dht {

void TrafficStats::RecordOutbound(P2pMethod method, size_t request_bytes,
                                  size_t response_bytes, bool ok) {
  bytes_sent_.fetch_add(request_bytes, std::memory_order_relaxed);
  bytes_received_.fetch_add(response_bytes, std::memory_order_relaxed);
  Counters& c = rpcs_[static_cast<int>(method)];
  c.outbound.fetch_add(1, std::memory_order_relaxed);
  if (!ok) c.outbound_errors.fetch_add(1, std::memory_order_relaxed);
}

void TrafficStats::RecordInbound(P2pMethod method, size_t request_bytes,
                                 size_t response_bytes, bool ok) {
  bytes_received_.fetch_add(request_bytes, std::memory_order_relaxed);
  bytes_sent_.fetch_add(response_bytes, std::memory_order_relaxed);
  Counters& c = rpcs_[static_cast<int>(method)];
  c.inbound.fetch_add(1, std::memory_order_relaxed);
  if (!ok) c.inbound_errors.fetch_add(1, std::memory_order_relaxed);
}

uint64_t TrafficStats::bytes_sent() const {
  return bytes_sent_.load(std::memory_order_relaxed);
}

uint64_t TrafficStats::bytes_received() const {
  return bytes_received_.load(std::memory_order_relaxed);
}

TrafficSnapshot TrafficStats::Snapshot() const {
  TrafficSnapshot s;
  s.bytes_sent = bytes_sent();
  s.bytes_received = bytes_received();
  for (int i = 0; i < kP2pMethodCount; ++i) {
    const Counters& c = rpcs_[i];
    s.rpcs[i] = RpcCounts{
        .inbound = c.inbound.load(std::memory_order_relaxed),
        .inbound_errors = c.inbound_errors.load(std::memory_order_relaxed),
        .outbound = c.outbound.load(std::memory_order_relaxed),
        .outbound_errors = c.outbound_errors.load(std::memory_order_relaxed),
    };
  }
  return s;
}

}  // namespace datamgmt::dht
