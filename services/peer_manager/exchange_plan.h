// Who to exchange peer lists with, and what to share: the pure half of the
// seed's 5-minute peer exchange ("Request Peer List", "Share Own Peers").
//
//   std::vector<PeerView> healthy = table.List(/*healthy_only=*/true, now);
//   for (const std::string& target :
//        ChooseExchangeTargets(healthy, options, gen)) {
//     std::vector<PeerHint> share = ChooseSharedHints(healthy, target,
//                                                     options);
//     ... PeerDialer.ExchangePeers(target, share) ...
//   }
//
// Pure functions; thread-compatible.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_EXCHANGE_PLAN_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_EXCHANGE_PLAN_H_

#include <string>
#include <vector>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/peer_manager/peer_record.h"
#include "services/peer_manager/peer_table.h"

namespace datamgmt::peer_manager {

struct ExchangePlanOptions {
  // Most peers exchanged with in one round. Must be at least 1.
  // Default: 1000 (every healthy peer, as the seed and issue 4 describe; the
  // table holds at most 1,000).
  int max_targets = 1000;

  // Most hints offered in one exchange. Must be in 1..100 (the limit of
  // PeerDialer.ExchangePeers). Default: 100.
  int max_shared = 100;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// The addresses to exchange with this round: the healthy peers of `peers`,
// in address order; if there are more than max_targets, a uniformly random
// max_targets of them (still in address order).
std::vector<std::string> ChooseExchangeTargets(
    absl::Span<const PeerView> peers, const ExchangePlanOptions& options,
    absl::BitGenRef gen);

// The hints to offer `remote_address`: healthy peers other than the remote
// (by address), those that have answered us first, then most recently seen
// first; at most max_shared. A hint's last_seen is our last_seen for a peer
// that has answered, and unset (unknown) for one that never has.
std::vector<PeerHint> ChooseSharedHints(absl::Span<const PeerView> peers,
                                        absl::string_view remote_address,
                                        const ExchangePlanOptions& options);

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_EXCHANGE_PLAN_H_
