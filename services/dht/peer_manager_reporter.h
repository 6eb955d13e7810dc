// The ContactObserver main wires into dht-service: it tells peer-manager what
// this node learned about peers, in batches, off the request path.
//  * OnContactResult (outcomes of our P2P calls) is queued and sent with
//    PeerManager.RecordContacts (PEER_SOURCE_DHT), in order.
//  * OnInboundSender (senders of inbound requests) is deduplicated by
//    address and sent with PeerManager.MergePeers (PEER_SOURCE_INBOUND); a
//    sender already merged within `sender_ttl` is not sent again.
//
//   PeerManagerReporter reporter(*peer_manager_stub, RealClock(), {});
//   GrpcPeerClient::Create(..., {.observer = &reporter});
//   ... in the maintenance loop:
//   absl::Time next = reporter.Flush(clock.Now());
//
// A batch is sent when `max_batch` results are queued (started at once from
// the observer call: an asynchronous RPC, which never blocks) or when Flush
// is called `flush_interval` after the last send. At most one RecordContacts
// and one MergePeers are in flight. When peer-manager cannot be reached, the
// failed batch goes back to the front of the queue and is retried after
// `flush_interval`; the queue keeps at most `max_queue` results, dropping
// the oldest (counted in stats().dropped). Nothing here ever fails or delays
// a put or a get.
//
// Thread-safe; the observer methods never block and never hold the lock
// across an RPC. The destructor waits for RPCs in flight (each has a
// deadline); `stub` and `clock` must outlive the reporter.
#ifndef DATAMGMT_SERVICES_DHT_PEER_MANAGER_REPORTER_H_
#define DATAMGMT_SERVICES_DHT_PEER_MANAGER_REPORTER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "services/dht/contact_observer.h"

namespace datamgmt::dht {

struct PeerManagerReporterOptions {
  // Results per RecordContacts, and the queue length that triggers an
  // immediate send. 1..1000 (peer-manager's limit). Default: 200.
  size_t max_batch = 200;
  // Results kept while peer-manager is unreachable; the oldest are dropped
  // beyond it. At least max_batch. Default: 10,000.
  size_t max_queue = 10'000;
  // Distinct senders waiting for MergePeers; further new senders are
  // dropped until the next send. 1..1000. Default: 1,000.
  size_t max_pending_senders = 1'000;
  // A sender merged this recently is not merged again. Must not be
  // negative. Default: 5 minutes.
  absl::Duration sender_ttl = absl::Minutes(5);
  // Longest wait before queued items are sent, and the retry delay after a
  // failed send. Must be positive. Default: 1 s.
  absl::Duration flush_interval = absl::Seconds(1);
  // Deadline of each RPC to peer-manager. Must be positive. Default: 2 s.
  absl::Duration rpc_timeout = absl::Seconds(2);

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

struct PeerManagerReporterStats {
  uint64_t results_sent = 0;  // acknowledged by RecordContacts
  uint64_t senders_sent = 0;  // acknowledged by MergePeers
  uint64_t dropped = 0;       // results and senders never sent
  uint64_t failed_rpcs = 0;   // sends that did not end OK
  size_t queued_results = 0;  // waiting now
  size_t queued_senders = 0;  // waiting now
  int in_flight = 0;          // RPCs now
};

class PeerManagerReporter final : public ContactObserver {
 public:
  // Returns InvalidArgument if `options` fail Validate().
  static absl::StatusOr<std::unique_ptr<PeerManagerReporter>> Create(
      peers::v1::PeerManager::StubInterface& stub, Clock& clock,
      PeerManagerReporterOptions options);

  // Waits for RPCs in flight to complete (pending items are not sent; call
  // Flush(InfiniteFuture()) first for a best-effort final send).
  ~PeerManagerReporter() override;

  void OnContactResult(const ContactReport& report) override;
  void OnInboundSender(const kademlia::Contact& sender) override;

  // Sends what is due at `now`: everything queued if `flush_interval` has
  // passed since the last send of its kind (InfiniteFuture forces a send).
  // Returns when Flush should next be called.
  absl::Time Flush(absl::Time now);

  // Blocks until no RPC is in flight. For shutdown and tests; never call it
  // on a gRPC callback thread.
  void WaitIdle();

  PeerManagerReporterStats stats() const;

 private:
  PeerManagerReporter(peers::v1::PeerManager::StubInterface& stub, Clock& clock,
                      PeerManagerReporterOptions options);

  // Starts a RecordContacts / MergePeers if one is due and none is in
  // flight. Call without holding mu_.
  void MaybeSendResults(absl::Time now, bool force);
  void MaybeSendSenders(absl::Time now, bool force);
  void Done() ABSL_LOCKS_EXCLUDED(mu_);
  void TrimQueue() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  peers::v1::PeerManager::StubInterface& stub_;
  Clock& clock_;
  const PeerManagerReporterOptions options_;

  mutable absl::Mutex mu_;
  std::deque<peers::v1::ContactResult> results_ ABSL_GUARDED_BY(mu_);
  // Pending senders by address.
  absl::flat_hash_map<std::string, types::v1::PeerHint> senders_
      ABSL_GUARDED_BY(mu_);
  // When each recently merged sender was sent.
  absl::flat_hash_map<std::string, absl::Time> merged_ ABSL_GUARDED_BY(mu_);
  bool results_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool senders_in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool last_results_failed_ ABSL_GUARDED_BY(mu_) = false;
  // Earliest time the next (non-forced) send of each kind may start.
  absl::Time results_due_ ABSL_GUARDED_BY(mu_);
  absl::Time senders_due_ ABSL_GUARDED_BY(mu_);
  PeerManagerReporterStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_PEER_MANAGER_REPORTER_H_
