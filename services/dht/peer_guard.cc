#include "services/dht/peer_guard.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/net/ip_address.h"
#include "common/net/peer_address.h"
#include "services/dht/peer_client.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {
namespace {

using abuse::Offense;
using kademlia::Contact;
using kademlia::NodeId;

constexpr absl::string_view kIdKey = "id:";
constexpr absl::string_view kSourceKey = "ip:";

std::string IdKey(const NodeId& id) { return absl::StrCat(kIdKey, id.ToHex()); }
std::string SourceKey(absl::string_view source) {
  return absl::StrCat(kSourceKey, source);
}

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// The host of "host:port" or "[v6]:port"; the input if it has no port.
absl::string_view HostOf(absl::string_view hostport) {
  if (!hostport.empty() && hostport.front() == '[') {
    const size_t close = hostport.find(']');
    return close == absl::string_view::npos ? hostport
                                            : hostport.substr(1, close - 1);
  }
  const size_t colon = hostport.rfind(':');
  if (colon == absl::string_view::npos ||
      hostport.find(':') != colon) {  // no port, or a bare IPv6 literal
    return hostport;
  }
  return hostport.substr(0, colon);
}

// A notice for a ban of `key` that the book just imposed.
BanNotice NoticeOf(const abuse::Ban& ban) {
  BanNotice notice{.address = ban.label, .reason = ban.reason,
                   .until = ban.until};
  absl::string_view key = ban.key;
  if (absl::ConsumePrefix(&key, kIdKey)) {
    absl::StatusOr<NodeId> id = NodeId::FromHex(key);
    if (id.ok()) notice.id = *id;
  } else if (absl::ConsumePrefix(&key, kSourceKey)) {
    notice.source = std::string(key);
  }
  return notice;
}

}  // namespace

absl::Status PeerGuardOptions::Validate() const {
  if (absl::Status s = per_peer.Validate(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("per_peer: ", s.message()));
  }
  if (absl::Status s = per_source.Validate(); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("per_source: ", s.message()));
  }
  if (absl::Status s = scores.Validate(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("scores: ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<PeerGuard>> PeerGuard::Create(
    Clock& clock, PeerGuardOptions options) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<PeerGuard>(new PeerGuard(clock, std::move(options)));
}

PeerGuard::PeerGuard(Clock& clock, PeerGuardOptions options)
    : clock_(clock),
      options_(std::move(options)),
      per_peer_(options_.per_peer),
      per_source_(options_.per_source),
      scores_(options_.scores) {}

std::string PeerGuard::SourceOfHost(absl::string_view host) const {
  const size_t zone = host.find('%');
  if (zone != absl::string_view::npos) host = host.substr(0, zone);
  std::optional<net::IpAddress> ip = net::ParseIpLiteral(host);
  if (!ip.has_value()) return "";
  if (ip->IsLoopback() && !options_.limit_loopback) return "";
  return ip->v6 ? ip->PrefixKey(32, 64) : ip->ToString();
}

std::string PeerGuard::SourceOf(absl::string_view grpc_peer) const {
  absl::string_view rest = grpc_peer;
  if (!absl::ConsumePrefix(&rest, "ipv4:") &&
      !absl::ConsumePrefix(&rest, "ipv6:")) {
    return "";
  }
  const std::string decoded = absl::StrReplaceAll(
      rest, {{"%5B", "["}, {"%5D", "]"}, {"%5b", "["}, {"%5d", "]"},
             {"%25", "%"}});
  return SourceOfHost(HostOf(decoded));
}

absl::Status PeerGuard::Denied(absl::string_view what, const abuse::Ban& ban) {
  return absl::PermissionDeniedError(absl::StrCat(
      what, " is banned until ", Utc(ban.until), ": ", ban.reason));
}

std::optional<BanNotice> PeerGuard::Charge(const std::string& key,
                                           Offense offense,
                                           absl::string_view detail,
                                           absl::string_view label,
                                           absl::Time now) {
  ++stats_.penalties;
  abuse::Verdict verdict =
      scores_.Penalize(key, offense, now, detail, label);
  if (!verdict.newly_banned) return std::nullopt;
  ++stats_.bans_total;
  return NoticeOf(*verdict.ban);
}

void PeerGuard::Announce(const std::vector<BanNotice>& notices) const {
  for (const BanNotice& notice : notices) {
    const std::string who =
        notice.id.has_value()
            ? absl::StrCat("node ", notice.id->ToHex(),
                           notice.address.empty() ? "" : " at ",
                           notice.address)
            : absl::StrCat("source address ", notice.source);
    spdlog::warn("banned {} until {}: {}", who, Utc(notice.until),
                 notice.reason);
    for (const BanListener& listener : listeners_) listener(notice);
  }
}

absl::Status PeerGuard::AdmitSource(absl::string_view source) {
  if (source.empty()) return absl::OkStatus();
  const std::string key = SourceKey(source);
  const absl::Time now = clock_.Now();
  std::vector<BanNotice> notices;
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (std::optional<abuse::Ban> ban = scores_.BanOf(key, now)) {
      ++stats_.requests_refused_banned;
      return Denied(absl::StrCat("source address ", source), *ban);
    }
    if (per_source_.Allow(key, now)) return absl::OkStatus();
    ++stats_.requests_throttled;
    if (auto notice = Charge(key, Offense::kRateLimited,
                             "requests over the per-address rate limit", "",
                             now)) {
      notices.push_back(*std::move(notice));
    }
    status = absl::ResourceExhaustedError(absl::StrCat(
        "rate limited: source address ", source, " sent more than ",
        options_.per_source.bucket.rate_per_second, " requests per second"));
  }
  Announce(notices);
  return status;
}

absl::Status PeerGuard::AdmitSender(const Contact& sender,
                                    absl::string_view source) {
  const std::string key = IdKey(sender.id);
  const absl::Time now = clock_.Now();
  std::vector<BanNotice> notices;
  absl::Status status;
  {
    absl::MutexLock lock(&mu_);
    if (std::optional<abuse::Ban> ban = scores_.BanOf(key, now)) {
      ++stats_.requests_refused_banned;
      return Denied(absl::StrCat("node ", sender.id.ShortHex()), *ban);
    }
    if (source.empty() || per_peer_.Allow(key, now)) return absl::OkStatus();
    ++stats_.requests_throttled;
    constexpr absl::string_view kDetail =
        "requests over the per-peer rate limit";
    if (auto notice =
            Charge(key, Offense::kRateLimited, kDetail, sender.address, now)) {
      notices.push_back(*std::move(notice));
    }
    if (auto notice = Charge(SourceKey(source), Offense::kRateLimited, kDetail,
                             "", now)) {
      notices.push_back(*std::move(notice));
    }
    status = absl::ResourceExhaustedError(absl::StrCat(
        "rate limited: node ", sender.id.ShortHex(), " sent more than ",
        options_.per_peer.bucket.rate_per_second, " requests per second"));
  }
  Announce(notices);
  return status;
}

void PeerGuard::Penalize(const GuardedPeer& peer, Offense offense,
                         absl::string_view detail) {
  const absl::Time now = clock_.Now();
  std::vector<BanNotice> notices;
  {
    absl::MutexLock lock(&mu_);
    if (peer.id.has_value()) {
      if (auto notice =
              Charge(IdKey(*peer.id), offense, detail, peer.address, now)) {
        notices.push_back(*std::move(notice));
      }
    }
    if (!peer.source.empty()) {
      if (auto notice =
              Charge(SourceKey(peer.source), offense, detail, "", now)) {
        notices.push_back(*std::move(notice));
      }
    }
  }
  Announce(notices);
}

void PeerGuard::Reward(const NodeId& id) {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  scores_.Reward(IdKey(id), now);
}

absl::Status PeerGuard::CheckDial(
    absl::string_view address, const std::optional<NodeId>& expected) const {
  const absl::Time now = clock_.Now();
  const std::string source = SourceOfHost(HostOf(address));
  absl::MutexLock lock(&mu_);
  if (expected.has_value()) {
    if (std::optional<abuse::Ban> ban = scores_.BanOf(IdKey(*expected), now)) {
      return Denied(absl::StrCat("node ", expected->ShortHex()), *ban);
    }
  }
  if (!source.empty()) {
    if (std::optional<abuse::Ban> ban =
            scores_.BanOf(SourceKey(source), now)) {
      return Denied(absl::StrCat("address ", address), *ban);
    }
  }
  return absl::OkStatus();
}

absl::Status PeerGuard::JudgeAnswer(absl::string_view address,
                                    const std::optional<NodeId>& expected,
                                    const absl::StatusOr<Contact>& verified) {
  if (verified.ok()) {
    const absl::Time now = clock_.Now();
    const std::string key = IdKey(verified->id);
    absl::MutexLock lock(&mu_);
    if (std::optional<abuse::Ban> ban = scores_.BanOf(key, now)) {
      return Denied(absl::StrCat("node ", verified->id.ShortHex()), *ban);
    }
    scores_.Reward(key, now);
    return absl::OkStatus();
  }
  const absl::Status& status = verified.status();
  std::optional<Offense> offense;
  switch (status.code()) {
    case absl::StatusCode::kDataLoss:
      offense = Offense::kTamperedData;
      break;
    case absl::StatusCode::kInvalidArgument:
      offense = Offense::kMalformedMessage;
      break;
    case absl::StatusCode::kFailedPrecondition:
      if (!IsDialledSelf(status)) offense = Offense::kUnexpectedResponder;
      break;
    default:
      break;
  }
  if (offense.has_value()) {
    Penalize({.id = expected,
              .address = std::string(address),
              .source = SourceOfHost(HostOf(address))},
             *offense, status.message());
  }
  return status;
}

bool PeerGuard::IsBanned(const NodeId& id) const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  return scores_.IsBanned(IdKey(id), now);
}

bool PeerGuard::IsBannedPeer(const std::optional<NodeId>& id,
                             absl::string_view host) const {
  const absl::Time now = clock_.Now();
  const std::string source = SourceOfHost(host);
  absl::MutexLock lock(&mu_);
  return (id.has_value() && scores_.IsBanned(IdKey(*id), now)) ||
         (!source.empty() && scores_.IsBanned(SourceKey(source), now));
}

std::vector<PeerStanding> PeerGuard::Standings(size_t max) const {
  const absl::Time now = clock_.Now();
  std::vector<PeerStanding> out;
  absl::MutexLock lock(&mu_);
  for (const abuse::Ban& ban : scores_.Bans(now)) {
    if (out.size() >= max) return out;
    const BanNotice notice = NoticeOf(ban);
    out.push_back(PeerStanding{.id = notice.id,
                               .source = notice.source,
                               .address = notice.address,
                               .banned_until = ban.until,
                               .reason = ban.reason});
  }
  for (const abuse::Suspect& suspect :
       scores_.Suspects(now, max - out.size())) {
    const BanNotice notice =
        NoticeOf(abuse::Ban{.key = suspect.key, .label = suspect.label});
    out.push_back(PeerStanding{.id = notice.id,
                               .source = notice.source,
                               .address = notice.address,
                               .score = suspect.score});
  }
  return out;
}

PeerGuardStats PeerGuard::stats() const {
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mu_);
  PeerGuardStats out = stats_;
  out.peers_banned = scores_.Bans(now).size();
  return out;
}

void PeerGuard::AddBanListener(BanListener listener) {
  listeners_.push_back(std::move(listener));
}

void PeerGuard::ExpireBans() {
  const absl::Time now = clock_.Now();
  std::vector<abuse::Ban> ended;
  {
    absl::MutexLock lock(&mu_);
    ended = scores_.ExpireBans(now);
  }
  for (const abuse::Ban& ban : ended) {
    spdlog::info("ban of {} ended (it was: {})", ban.key, ban.reason);
  }
}

}  // namespace datamgmt::dht
