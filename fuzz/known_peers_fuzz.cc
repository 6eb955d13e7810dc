// Fuzz target: peer-manager's known_peers.json loader.
//
// The input is the file's text. It goes through what peer-manager does with
// the file at start (LoadKnownPeersFile's ParseKnownPeers, then
// RecordsFromKnownPeers and PeerTable::Restore into a small table that knows
// its own address and ID) and on every save (Records, KnownPeersFromRecords,
// SerializeKnownPeers). Checked besides memory safety and UB:
//  * a rejected file is DataLoss (what makes peer-manager move it aside);
//  * an accepted file serializes to text that parses back to the same set;
//  * every accepted entry becomes a record, and a restored peer is saved
//    as it was loaded (no field lost or changed by the round trip; last_seen
//    exactly from 2^21 s on, see known_peers_records.h);
//  * the table's view (List, Stats, Prune) works on whatever was loaded.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/kademlia/node_id.h"
#include "fuzz/fuzz_check.h"
#include "services/peer_manager/known_peers_file.h"
#include "services/peer_manager/known_peers_records.h"
#include "services/peer_manager/peer_table.h"

namespace datamgmt::peer_manager {
namespace {

// This node: the table never stores it (exercises the self checks).
constexpr absl::string_view kSelfAddress = "10.0.0.1:8000";
constexpr absl::string_view kSelfIdHex =
    "00000000000000000000000000000000000000000000000000000000000000aa";

PeerTable MakeTable() {
  PeerTableOptions options;
  options.max_peers = 8;  // small, so that capacity rules run too
  options.self_addresses = {std::string(kSelfAddress)};
  options.self_id = *kademlia::NodeId::FromHex(kSelfIdHex);
  absl::StatusOr<PeerTable> table = PeerTable::Create(options);
  FUZZ_CHECK(table.ok()) << table.status();
  return *std::move(table);
}

std::string SerializeKeyed(const std::string& key,
                           const KnownPeerEntry& entry) {
  return SerializeKnownPeers(KnownPeers{{key, entry}});
}

void Run(absl::string_view text) {
  absl::StatusOr<KnownPeers> peers = ParseKnownPeers(text, "known_peers.json");
  // FUZZ_VERBOSE=1: what the file gave (for writing seeds).
  static const bool verbose = std::getenv("FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::cerr << (peers.ok() ? absl::StrCat(peers->size(), " entries")
                             : peers.status().ToString())
              << "\n";
  }
  if (!peers.ok()) {
    FUZZ_CHECK(IsCorruptKnownPeersFile(peers.status())) << peers.status();
    return;
  }

  const std::string saved = SerializeKnownPeers(*peers);
  absl::StatusOr<KnownPeers> reloaded = ParseKnownPeers(saved, "saved");
  FUZZ_CHECK(reloaded.ok()) << reloaded.status() << "\n" << saved;
  FUZZ_CHECK(*reloaded == *peers) << "the saved file differs:\n" << saved;

  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  std::vector<PeerRecord> records = RecordsFromKnownPeers(*peers, now);
  FUZZ_CHECK(records.size() == peers->size())
      << records.size() << " records of " << peers->size() << " entries";

  PeerTable table = MakeTable();
  const RestoreOutcome restored = table.Restore(std::move(records));
  FUZZ_CHECK(restored.restored + restored.skipped_self +
                 restored.skipped_duplicate + restored.skipped_over_capacity ==
             static_cast<int>(peers->size()))
      << "restore lost entries";
  FUZZ_CHECK(static_cast<int>(table.size()) == restored.restored);
  if (verbose) {
    std::cerr << "restored " << restored.restored << ", self "
              << restored.skipped_self << ", duplicate "
              << restored.skipped_duplicate << ", over capacity "
              << restored.skipped_over_capacity << "\n";
  }

  const KnownPeers from_table = KnownPeersFromRecords(table.Records());
  for (const auto& [key, entry] : from_table) {
    auto it = peers->find(key);
    FUZZ_CHECK(it != peers->end()) << "saved a peer never loaded: " << key;
    KnownPeerEntry expected = it->second;
    // known_peers_records.h: exact from 2^21 s on, else to absl::Time's
    // quarter nanosecond.
    if (expected.last_seen < 2097152.0 &&
        std::fabs(expected.last_seen - entry.last_seen) <= 1.25e-10) {
      expected.last_seen = entry.last_seen;
    }
    FUZZ_CHECK(expected == entry)
        << "peer " << key << " changed on save: loaded\n"
        << SerializeKeyed(key, it->second) << "saved\n"
        << SerializeKeyed(key, entry);
  }
  absl::StatusOr<KnownPeers> table_file =
      ParseKnownPeers(SerializeKnownPeers(from_table), "table");
  FUZZ_CHECK(table_file.ok()) << table_file.status();
  FUZZ_CHECK(*table_file == from_table);

  const PeerCounts counts = table.Stats(now);
  FUZZ_CHECK(counts.total == restored.restored);
  FUZZ_CHECK(static_cast<int>(table.List(/*healthy_only=*/true, now).size()) ==
             counts.healthy);
  table.Prune(now);
}

}  // namespace
}  // namespace datamgmt::peer_manager

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  datamgmt::peer_manager::Run(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
