// The P2P fuzz targets' harness: dht-service's PeerProtocol handlers fed
// arbitrary request bytes, in-process.
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//     datamgmt::fuzz::RunP2pRequest(
//         datamgmt::dht::P2pMethod::kPing,
//         {reinterpret_cast<const char*>(data), size});
//     return 0;
//   }
//
// The bytes are sent unparsed, as a peer would send them, through
// grpc::GenericStub on an in-process channel to a gRPC server (no sockets)
// hosting the real P2pService, so gRPC's protobuf decoding and then the
// handler run exactly as on the P2P port. Every input gets a fresh
// P2pService over fresh parts wired as dht-service wires them: Routing
// (k = 4, seeded with 40 fixed contacts, so buckets are full and
// ping-before-evict runs), ContactLearner over a FakePeerClient (pings to
// unknown peers fail at once), TrafficStats, a FakeClock, and a fake
// peer-manager on the same in-process server. Only the RocksDB ContentStore
// (in a temporary directory, created once, holding the value "hello") is
// shared by all inputs.
//
// Checked besides memory safety and UB:
//  * every call ends (a 10 s deadline; DEADLINE_EXCEEDED is a failure);
//  * a request that does not parse is never answered OK;
//  * every OK answer passes the checks the node's own client applies to
//    answers (reply_verifier.h) when it called this node;
//  * per method: a malformed sender is refused; FindNode and FindValue give
//    at most k contacts, nearest to the target first, never the sender; a
//    FindValue value hashes to its key; an OK Store holds the value after;
//    GetPeers gives at most max_peers (1..100) peers, never the sender or
//    this node; SharePeers refuses more than 100 entries and accounts for
//    every entry (added + ignored).
#ifndef DATAMGMT_FUZZ_P2P_HARNESS_H_
#define DATAMGMT_FUZZ_P2P_HARNESS_H_

#include "absl/strings/string_view.h"
#include "services/dht/p2p_method.h"

namespace datamgmt::fuzz {

// Sends `request` as the request of `method` and checks the answer. Aborts
// (a crash for libFuzzer) when a check fails. Not reentrant: one input at a
// time, as libFuzzer runs them.
void RunP2pRequest(dht::P2pMethod method, absl::string_view request);

}  // namespace datamgmt::fuzz

#endif  // DATAMGMT_FUZZ_P2P_HARNESS_H_
