// dht-service's abuse resistance on the P2P port: rate limits per sender
// node ID and per source address, a misbehaviour score per peer, and bans
// (the pure parts are //common/abuse). P2pService asks it before serving a
// request, GrpcPeerClient before dialling and after verifying an answer,
// and both charge it with what peers do wrong.
//
//   absl::StatusOr<std::unique_ptr<PeerGuard>> guard =
//       PeerGuard::Create(RealClock(), PeerGuardOptions{});
//   // Inbound (P2pService::AcceptSender):
//   const std::string source = (*guard)->SourceOf(ctx->peer());
//   if (absl::Status s = (*guard)->AdmitSource(source); !s.ok()) return s;
//   ... parse the sender ...
//   if (absl::Status s = (*guard)->AdmitSender(sender, source); !s.ok())
//     return s;                 // RESOURCE_EXHAUSTED or PERMISSION_DENIED
//   // Outbound (GrpcPeerClient):
//   if (absl::Status s = (*guard)->CheckDial(address, peer.id); !s.ok()) ...
//
// Keys. Scores, limits and bans are kept per node ID ("id:<hex>") and per
// source address ("ip:<address>": an IPv4 address, or an IPv6 /64, since
// any host can use every address of its /64). An inbound offense is charged
// to both the sender's ID and its source address; an outbound one to the
// contact dialled and, if the dialled host is an IP literal, to that
// address. Until identities are bound to keys (TLS), node IDs are claims:
// an attacker could get a victim's ID banned by flooding under it, which is
// why the source address, which TCP makes hard to forge, is scored too.
//
// Loopback. Unless `limit_loopback` is set, requests from loopback
// (127.0.0.0/8, ::1) are never rate-limited and loopback addresses are
// never banned: a whole network on one machine (tools/run-local.sh, tests,
// benchmarks) shares 127.0.0.1. Their node IDs are still scored and banned.
//
// Bans. When a key's score falls to the threshold it is banned for
// `scores.ban_duration`: logged once at warn (peer, reason, until), counted,
// and every ban listener is told (dht-service removes the peer from its
// routing table and reports its standings to peer-manager). A banned peer's
// requests fail with PERMISSION_DENIED and it is never dialled; answers
// from a banned node ID are refused. ExpireBans logs bans that ended.
//
// Thread-safe; listeners run without the guard's lock held, on the thread
// whose call caused the ban, and must not block.
#ifndef DATAMGMT_SERVICES_DHT_PEER_GUARD_H_
#define DATAMGMT_SERVICES_DHT_PEER_GUARD_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/abuse/rate_limiter.h"
#include "common/abuse/score_book.h"
#include "common/kademlia/contact.h"
#include "common/kademlia/node_id.h"
#include "common/time/clock.h"

namespace datamgmt::dht {

struct PeerGuardOptions {
  // Requests per sender node ID. A node running lookups back to back sends
  // any one peer a few tens of requests a second (alpha = 3 queries in
  // flight, spread over many peers), so a real network stays far below.
  // Default: 200 per second, bursts of 400, at most 10,000 IDs tracked.
  abuse::RateLimiterOptions per_peer{
      .bucket = {.rate_per_second = 200, .burst = 400}, .max_keys = 10'000};
  // Requests per source address (IPv4 address or IPv6 /64), twice the
  // per-peer rate because several nodes may share one address (NAT, a host
  // running a few nodes). Default: 400 per second, bursts of 800, at most
  // 10,000 addresses tracked.
  abuse::RateLimiterOptions per_source{
      .bucket = {.rate_per_second = 400, .burst = 800}, .max_keys = 10'000};
  // Penalties, threshold, decay and ban duration. Default: see
  // common/abuse/score_book.h (ban at -100 for 1 hour; one tampered value,
  // 10 malformed messages or ~100 throttled requests in a short time).
  abuse::ScoreBookOptions scores{};
  // Rate-limit and ban loopback sources too (tests of the limits). Default:
  // false.
  bool limit_loopback = false;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

struct PeerGuardStats {
  // Bans in force now (node IDs and source addresses).
  size_t peers_banned = 0;
  // Bans imposed since start.
  uint64_t bans_total = 0;
  // Inbound requests refused by a rate limit.
  uint64_t requests_throttled = 0;
  // Inbound requests refused because the sender was banned.
  uint64_t requests_refused_banned = 0;
  // Offenses charged.
  uint64_t penalties = 0;
};

// A peer as far as a call knows it.
struct GuardedPeer {
  // Its node ID, if known.
  std::optional<kademlia::NodeId> id{};
  // Its advertised (inbound) or dialled (outbound) address, if known; kept
  // with its score for reports.
  std::string address{};
  // Its source key (SourceOf / SourceOfHost); empty if unknown or exempt.
  std::string source{};
};

// A new ban, as listeners are told of it.
struct BanNotice {
  // Set for a node ID ban.
  std::optional<kademlia::NodeId> id{};
  // Set for a source address ban: the address ("203.0.113.7") or network
  // ("2001:db8:1:2::/64").
  std::string source{};
  // The peer's address when the ban began, if known.
  std::string address{};
  std::string reason{};
  absl::Time until{};
};

// A misbehaving peer for reports to peer-manager: banned or suspect.
struct PeerStanding {
  std::optional<kademlia::NodeId> id{};
  std::string source{};
  std::string address{};
  // Negative for a suspect; 0 when banned.
  double score = 0;
  // Set when banned.
  std::optional<absl::Time> banned_until{};
  std::string reason{};
};

class PeerGuard {
 public:
  using BanListener = std::function<void(const BanNotice&)>;

  // Returns InvalidArgument if `options` fail Validate(). `clock` must
  // outlive the guard.
  static absl::StatusOr<std::unique_ptr<PeerGuard>> Create(
      Clock& clock, PeerGuardOptions options);

  // The source key of a gRPC peer string ("ipv4:203.0.113.7:5000",
  // "ipv6:[2001:db8::7]:5000", also percent-encoded): "203.0.113.7",
  // "2001:db8::/64". Empty if it is not an IP address, or is loopback and
  // loopback is exempt.
  std::string SourceOf(absl::string_view grpc_peer) const;
  // The same for a host ("203.0.113.7", "2001:db8::7"); empty for DNS
  // names.
  std::string SourceOfHost(absl::string_view host) const;

  // Admits an inbound request from `source` (SourceOf; empty: exempt).
  // Returns PermissionDenied if the source is banned; ResourceExhausted,
  // charging the source, if it is over its rate.
  absl::Status AdmitSource(absl::string_view source);

  // Admits an inbound request from `sender` (already parsed) that came
  // from `source`. Returns PermissionDenied if its ID is banned;
  // ResourceExhausted, charging the ID and the source, if the ID is over
  // its rate. An empty source (exempt loopback, or not an IP transport) is
  // never rate-limited.
  absl::Status AdmitSender(const kademlia::Contact& sender,
                           absl::string_view source);

  // Charges `offense` to every key of `peer`.
  void Penalize(const GuardedPeer& peer, abuse::Offense offense,
                absl::string_view detail);

  // Credits `id` with a good exchange (an OK, well-formed answer).
  void Reward(const kademlia::NodeId& id);

  // Whether we may call `address` (expecting `expected`, if known).
  // Returns PermissionDenied if the node ID or the address's host is
  // banned.
  absl::Status CheckDial(absl::string_view address,
                         const std::optional<kademlia::NodeId>& expected) const;

  // Judges a verified answer (GrpcPeerClient, after reply_verifier): on
  // OK, rewards the responder, or returns PermissionDenied if its ID is
  // banned; on a verification failure charges the peer (DATA_LOSS: tampered
  // data; INVALID_ARGUMENT: malformed answer; FAILED_PRECONDITION other
  // than dialling ourselves: unexpected responder) and returns `verified`'s
  // status. `address` is the one dialled, `expected` the ID dialled.
  absl::Status JudgeAnswer(
      absl::string_view address,
      const std::optional<kademlia::NodeId>& expected,
      const absl::StatusOr<kademlia::Contact>& verified);

  bool IsBanned(const kademlia::NodeId& id) const;
  // True if the node ID (when given) or the host (an IP literal) is banned.
  bool IsBannedPeer(const std::optional<kademlia::NodeId>& id,
                    absl::string_view host) const;

  // Bans in force (latest to end first), then suspects (lowest score
  // first), at most `max` in all.
  std::vector<PeerStanding> Standings(size_t max) const;

  PeerGuardStats stats() const;

  // Adds a listener for new bans. Call before the guard is shared.
  void AddBanListener(BanListener listener);

  // Forgets bans that have ended, logging each at info.
  void ExpireBans();

  const PeerGuardOptions& options() const { return options_; }

 private:
  PeerGuard(Clock& clock, PeerGuardOptions options);

  // Charges `key`; returns a notice if this banned it. Requires mu_.
  std::optional<BanNotice> Charge(const std::string& key,
                                  abuse::Offense offense,
                                  absl::string_view detail,
                                  absl::string_view label, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Logs and tells the listeners. Call without mu_.
  void Announce(const std::vector<BanNotice>& notices) const;
  // PermissionDenied for `what`, banned by `ban`.
  static absl::Status Denied(absl::string_view what, const abuse::Ban& ban);

  Clock& clock_;
  const PeerGuardOptions options_;
  std::vector<BanListener> listeners_;

  mutable absl::Mutex mu_;
  abuse::RateLimiter per_peer_ ABSL_GUARDED_BY(mu_);
  abuse::RateLimiter per_source_ ABSL_GUARDED_BY(mu_);
  abuse::ScoreBook scores_ ABSL_GUARDED_BY(mu_);
  PeerGuardStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_PEER_GUARD_H_
