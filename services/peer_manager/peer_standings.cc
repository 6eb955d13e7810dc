#include "services/peer_manager/peer_standings.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/net/ip_address.h"

namespace datamgmt::peer_manager {

std::string SourceKeyOfHost(absl::string_view host) {
  std::optional<net::IpAddress> ip = net::ParseIpLiteral(host);
  if (!ip.has_value()) return "";
  return ip->v6 ? ip->PrefixKey(32, 64) : ip->ToString();
}

absl::StatusOr<int> PeerStandings::Replace(
    std::vector<ReportedStanding> standings, absl::Time now) {
  if (standings.size() > kMaxStandings) {
    return absl::ResourceExhaustedError(
        absl::StrCat("at most ", kMaxStandings, " standings per report, got ",
                     standings.size()));
  }
  reported_at_ = now;
  standings_.clear();
  by_node_id_.clear();
  by_address_.clear();
  by_source_.clear();
  for (ReportedStanding& s : standings) {
    if (!s.address.has_value() && !s.node_id.has_value() && s.source.empty()) {
      continue;
    }
    const size_t i = standings_.size();
    if (s.node_id.has_value()) by_node_id_[s.node_id->ToHex()].push_back(i);
    if (s.address.has_value()) by_address_[s.address->ToString()].push_back(i);
    if (!s.source.empty()) by_source_[s.source].push_back(i);
    standings_.push_back(std::move(s));
  }
  return static_cast<int>(standings_.size());
}

std::optional<ReportedStanding> PeerStandings::Best(
    const std::vector<size_t>& matches, absl::Time now) const {
  const ReportedStanding* best = nullptr;
  const bool fresh = now - reported_at_ <= kStandingsMaxAge;
  for (size_t i : matches) {
    const ReportedStanding& s = standings_[i];
    if (s.banned_until.has_value() && !s.BannedAt(now)) continue;  // ended
    if (!s.BannedAt(now) && !fresh) continue;  // a stale suspect score
    if (best == nullptr || (s.BannedAt(now) && !best->BannedAt(now)) ||
        (s.BannedAt(now) == best->BannedAt(now) && s.score < best->score)) {
      best = &s;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

std::optional<ReportedStanding> PeerStandings::For(const PeerRecord& record,
                                                   absl::Time now) const {
  if (standings_.empty()) return std::nullopt;
  std::vector<size_t> matches;
  auto add = [&](const auto& index, const std::string& key) {
    if (key.empty()) return;
    auto it = index.find(key);
    if (it != index.end()) {
      matches.insert(matches.end(), it->second.begin(), it->second.end());
    }
  };
  if (record.node_id.has_value()) add(by_node_id_, record.node_id->ToHex());
  add(by_address_, record.address.ToString());
  add(by_source_, SourceKeyOfHost(record.address.host));
  return Best(matches, now);
}

std::vector<std::pair<PeerRecord, ReportedStanding>> PeerStandings::UnknownBans(
    const std::vector<PeerRecord>& records, absl::Time now) const {
  absl::flat_hash_map<std::string, bool> known;
  for (const PeerRecord& r : records) known[r.address.ToString()] = true;
  // A ban matched by a known peer's ID or host is shown on that peer.
  std::vector<bool> shown(standings_.size(), false);
  for (const PeerRecord& r : records) {
    auto mark = [&](const auto& index, const std::string& key) {
      if (key.empty()) return;
      auto it = index.find(key);
      if (it == index.end()) return;
      for (size_t i : it->second) shown[i] = true;
    };
    if (r.node_id.has_value()) mark(by_node_id_, r.node_id->ToHex());
    mark(by_address_, r.address.ToString());
    mark(by_source_, SourceKeyOfHost(r.address.host));
  }
  std::vector<std::pair<PeerRecord, ReportedStanding>> out;
  for (size_t i = 0; i < standings_.size(); ++i) {
    const ReportedStanding& s = standings_[i];
    if (shown[i] || !s.BannedAt(now) || !s.address.has_value() ||
        known.contains(s.address->ToString())) {
      continue;
    }
    PeerRecord record;
    record.address = *s.address;
    record.node_id = s.node_id;
    record.stats.last_seen = absl::UnixEpoch();
    known[s.address->ToString()] = true;  // one entry per address
    out.emplace_back(std::move(record), s);
  }
  return out;
}

}  // namespace datamgmt::peer_manager
