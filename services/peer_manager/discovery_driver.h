// DiscoveryDriver: carries out the discovery schedule's decisions through
// dht-service's PeerDialer — bootstrap pings, the peer exchange rounds,
// re-bootstrap — and the debounced saves. PeerStore decides when; this
// class makes the calls and records their results.
//
//   DiscoveryDriver driver(store, *dialer_stub, clock, options);
//   absl::Time next = driver.Tick(clock.Now());   // from the driver loop
//
// Bootstrap: each configured peer is pinged (PingPeer, deadline
// rpc_timeout); answers and failures are recorded as contact results under
// the dialled address (an answering unknown peer is added with its node
// ID); an address that turns out to be this node is dropped. Exchange: for
// each chosen healthy peer, ExchangePeers with the shared hints; the result
// is recorded and the received hints merged. A failed PeerDialer call itself
// (dht-service down) records nothing about the peer.
//
// Thread-compatible: one thread calls Tick (the node's driver loop, or a
// test). No lock is held across any RPC.
#ifndef DATAMGMT_SERVICES_PEER_MANAGER_DISCOVERY_DRIVER_H_
#define DATAMGMT_SERVICES_PEER_MANAGER_DISCOVERY_DRIVER_H_

#include <string>
#include <vector>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/net/peer_address.h"
#include "common/time/clock.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "services/peer_manager/exchange_plan.h"
#include "services/peer_manager/peer_store.h"

namespace datamgmt::peer_manager {

struct DiscoveryDriverOptions {
  // The configured bootstrap peers (INITIAL_PEERS). Default: none.
  std::vector<net::PeerAddress> bootstrap_peers;
  // Deadline of each PeerDialer call, also sent as the remote call's
  // timeout. Must be positive. Default: 2 s.
  absl::Duration rpc_timeout = absl::Seconds(2);
  // Whom to exchange with and what to share. Default: every healthy peer,
  // 100 hints.
  ExchangePlanOptions exchange;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

class DiscoveryDriver {
 public:
  // `store`, `dialer` and `clock` are not owned and must outlive the driver.
  // `options` must pass Validate().
  DiscoveryDriver(PeerStore& store, dht::v1::PeerDialer::StubInterface& dialer,
                  const Clock& clock, DiscoveryDriverOptions options);

  // Runs whatever is due at `now` (bootstrap, then exchange, then a save)
  // and returns when something is next due.
  absl::Time Tick(absl::Time now);

 private:
  enum class BootstrapOutcome {
    kAnswered,          // a bootstrap peer answered
    kNoAnswer,          // dht-service dialled them; none answered
    kDialerUnavailable  // dht-service itself could not be asked
  };
  // Pings every bootstrap peer through the local dht-service.
  BootstrapOutcome Bootstrap();
  void Exchange(absl::Time now);
  void ExchangeWith(const std::string& target,
                    const std::vector<PeerView>& healthy);
  void DropSelf(const std::string& address);

  PeerStore& store_;
  dht::v1::PeerDialer::StubInterface& dialer_;
  const Clock& clock_;
  const DiscoveryDriverOptions options_;
  absl::BitGen gen_;
  // Whether a bootstrap ran before (later ones with no peers are
  // re-bootstraps). Only Tick's thread touches it.
  bool bootstrapped_once_ = false;
};

}  // namespace datamgmt::peer_manager

#endif  // DATAMGMT_SERVICES_PEER_MANAGER_DISCOVERY_DRIVER_H_
