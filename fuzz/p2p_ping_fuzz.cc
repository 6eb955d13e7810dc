// Fuzz target: dht-service's PeerProtocol Ping handler fed arbitrary
// request bytes (see p2p_harness.h for what runs and what is checked).
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "fuzz/p2p_harness.h"
#include "services/dht/p2p_method.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  datamgmt::fuzz::RunP2pRequest(
      datamgmt::dht::P2pMethod::kPing,
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
