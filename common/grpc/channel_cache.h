// A bounded cache of client channels keyed by "host:port", so a node that
// talks to thousands of peers neither re-dials each call nor keeps a
// connection to every peer forever.
//
//   ChannelCache cache({.max_channels = 256});
//   std::shared_ptr<grpc::Channel> ch = cache.Get("10.0.0.7:8000");
//   auto stub = p2p::v1::PeerProtocol::NewStub(ch);
//
// Least-recently-used channels are dropped past the bound, and Evict drops
// one at once; a caller still holding one keeps it alive until done. A
// dropped channel is retired, not destroyed: the cache releases it once no
// one else holds it and `retire_grace` has passed (swept by later Get and
// Evict calls, or by the destructor). So the last reference to a channel is
// never released by the completion callback of a call on that channel,
// which is where a caller that evicts on failure would otherwise drop it
// (gRPC tears the call down after the callback returns).
// Thread-safe; the lock is held only for the map update, never across an
// RPC (channel creation does not block) nor while a channel is destroyed.
#ifndef DATAMGMT_COMMON_GRPC_CHANNEL_CACHE_H_
#define DATAMGMT_COMMON_GRPC_CHANNEL_CACHE_H_

#include <grpcpp/grpcpp.h>

#include <list>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace datamgmt {

struct ChannelCacheOptions {
  // Channels kept open at most. Default: 256.
  size_t max_channels = 256;
  // Credentials for new channels (see also SetCredentials). Default:
  // insecure (plaintext).
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  // With TLS credentials: the server name every channel checks and sends
  // (SNI) instead of the host dialled. Default: empty (the host dialled).
  std::string ssl_target_name_override{};
  // Largest response message accepted. Default: 16 MiB.
  int max_receive_message_bytes = 16 << 20;
  // How long a dropped channel is kept at least before the cache releases
  // it. Default: 10 s.
  absl::Duration retire_grace = absl::Seconds(10);
  // Time source for retirement. Default: the real clock.
  Clock* clock = &RealClock();
};

class ChannelCache {
 public:
  explicit ChannelCache(ChannelCacheOptions options);

  // The channel for `address`, created on first use.
  std::shared_ptr<grpc::Channel> Get(absl::string_view address);

  // Drops the channel for `address` (e.g. a peer that was removed).
  void Evict(absl::string_view address);

  // Uses `credentials` for channels created from now on and drops every
  // cached channel (calls in flight on them finish on the old connection).
  void SetCredentials(std::shared_ptr<grpc::ChannelCredentials> credentials);

  // Channels cached (retired ones not counted).
  size_t size() const;

  // Retired channels not released yet.
  size_t retired() const;

 private:
  struct Retired {
    std::shared_ptr<grpc::Channel> channel;
    absl::Time at;
  };

  // Moves a dropped channel to retired_.
  void RetireLocked(std::shared_ptr<grpc::Channel> channel)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Takes the retired channels that can be released out of retired_; the
  // caller destroys them after unlocking.
  std::vector<std::shared_ptr<grpc::Channel>> SweepLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct Entry {
    std::shared_ptr<grpc::Channel> channel;
    std::list<std::string>::iterator lru_position;
  };

  const ChannelCacheOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<grpc::ChannelCredentials> credentials_ ABSL_GUARDED_BY(mu_);
  // Most recently used at the front.
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, Entry> channels_ ABSL_GUARDED_BY(mu_);
  std::vector<Retired> retired_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_GRPC_CHANNEL_CACHE_H_
