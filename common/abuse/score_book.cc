#include "common/abuse/score_book.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace datamgmt::abuse {

absl::string_view OffenseName(Offense offense) {
  switch (offense) {
    case Offense::kTamperedData:
      return "tampered data";
    case Offense::kProtocolViolation:
      return "protocol violation";
    case Offense::kMalformedMessage:
      return "malformed message";
    case Offense::kUnexpectedResponder:
      return "unexpected responder";
    case Offense::kRateLimited:
      return "rate limited";
  }
  return "unknown offense";
}

double ScoreBookOptions::Penalty(Offense offense) const {
  switch (offense) {
    case Offense::kTamperedData:
      return tampered_data_penalty;
    case Offense::kProtocolViolation:
      return protocol_violation_penalty;
    case Offense::kMalformedMessage:
      return malformed_message_penalty;
    case Offense::kUnexpectedResponder:
      return unexpected_responder_penalty;
    case Offense::kRateLimited:
      return rate_limited_penalty;
  }
  return 0;
}

absl::Status ScoreBookOptions::Validate() const {
  for (const auto& [name, value] :
       {std::pair{"tampered_data_penalty", tampered_data_penalty},
        std::pair{"protocol_violation_penalty", protocol_violation_penalty},
        std::pair{"malformed_message_penalty", malformed_message_penalty},
        std::pair{"unexpected_responder_penalty",
                  unexpected_responder_penalty},
        std::pair{"rate_limited_penalty", rate_limited_penalty},
        std::pair{"ban_threshold", ban_threshold}}) {
    if (!(value > 0) || !std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " must be positive, got ", value));
    }
  }
  for (const auto& [name, value] :
       {std::pair{"good_exchange_reward", good_exchange_reward},
        std::pair{"max_score", max_score}}) {
    if (!(value >= 0) || !std::isfinite(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " must not be negative, got ", value));
    }
  }
  if (half_life <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("half_life must be positive");
  }
  if (ban_duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("ban_duration must be positive");
  }
  if (max_tracked < 1) {
    return absl::InvalidArgumentError("max_tracked must be at least 1");
  }
  if (max_bans < 1) {
    return absl::InvalidArgumentError("max_bans must be at least 1");
  }
  return absl::OkStatus();
}

ScoreBook::ScoreBook(ScoreBookOptions options) : options_(std::move(options)) {
  options_.max_tracked = std::max<size_t>(options_.max_tracked, 1);
  options_.max_bans = std::max<size_t>(options_.max_bans, 1);
}

double ScoreBook::Decayed(const Entry& entry, absl::Time now) const {
  if (now <= entry.updated || entry.score == 0) return entry.score;
  const double halvings = (now - entry.updated) / options_.half_life;
  return entry.score * std::exp2(-halvings);
}

ScoreBook::Entry& ScoreBook::Touch(absl::string_view key, absl::Time now) {
  auto it = scores_.find(key);
  if (it == scores_.end()) {
    if (scores_.size() >= options_.max_tracked) {
      scores_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.emplace_front(key);
    it = scores_.emplace(key, Entry{.updated = now, .lru = lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Entry& entry = it->second;
  entry.score = Decayed(entry, now);
  entry.updated = std::max(entry.updated, now);
  return entry;
}

void ScoreBook::Forget(absl::string_view key) {
  auto it = scores_.find(key);
  if (it == scores_.end()) return;
  lru_.erase(it->second.lru);
  scores_.erase(it);
}

bool ScoreBook::BannedNow(absl::string_view key, absl::Time now) {
  auto it = bans_.find(key);
  if (it == bans_.end()) return false;
  if (it->second.until > now) return true;
  bans_.erase(it);
  return false;
}

Verdict ScoreBook::Penalize(absl::string_view key, Offense offense,
                            absl::Time now, absl::string_view detail,
                            absl::string_view label) {
  if (BannedNow(key, now)) {
    return Verdict{.banned = true, .ban = bans_.find(key)->second};
  }
  Entry& entry = Touch(key, now);
  if (!label.empty()) entry.label = std::string(label);
  entry.score -= options_.Penalty(offense);
  if (entry.score > -options_.ban_threshold) {
    return Verdict{.score = entry.score};
  }
  Ban ban{.key = std::string(key),
          .since = now,
          .until = now + options_.ban_duration,
          .reason = detail.empty()
                        ? std::string(OffenseName(offense))
                        : absl::StrCat(OffenseName(offense), ": ", detail),
          .label = entry.label};
  Forget(key);
  if (bans_.size() >= options_.max_bans) {
    auto soonest = std::min_element(
        bans_.begin(), bans_.end(), [](const auto& a, const auto& b) {
          return a.second.until < b.second.until;
        });
    bans_.erase(soonest);
  }
  bans_.emplace(ban.key, ban);
  return Verdict{.banned = true, .newly_banned = true, .ban = std::move(ban)};
}

void ScoreBook::Reward(absl::string_view key, absl::Time now) {
  if (options_.good_exchange_reward == 0 || BannedNow(key, now)) return;
  Entry& entry = Touch(key, now);
  entry.score =
      std::min(options_.max_score, entry.score + options_.good_exchange_reward);
}

std::optional<Ban> ScoreBook::BanOf(absl::string_view key,
                                    absl::Time now) const {
  auto it = bans_.find(key);
  if (it == bans_.end() || it->second.until <= now) return std::nullopt;
  return it->second;
}

double ScoreBook::Score(absl::string_view key, absl::Time now) const {
  if (IsBanned(key, now)) return 0;
  auto it = scores_.find(key);
  return it == scores_.end() ? 0 : Decayed(it->second, now);
}

std::vector<Ban> ScoreBook::Bans(absl::Time now) const {
  std::vector<Ban> out;
  for (const auto& [key, ban] : bans_) {
    if (ban.until > now) out.push_back(ban);
  }
  std::sort(out.begin(), out.end(), [](const Ban& a, const Ban& b) {
    return a.until != b.until ? a.until > b.until : a.key < b.key;
  });
  return out;
}

std::vector<Suspect> ScoreBook::Suspects(absl::Time now, size_t n) const {
  std::vector<Suspect> out;
  for (const auto& [key, entry] : scores_) {
    const double score = Decayed(entry, now);
    if (score < 0 && !IsBanned(key, now)) {
      out.push_back(Suspect{.key = key, .score = score, .label = entry.label});
    }
  }
  std::sort(out.begin(), out.end(), [](const Suspect& a, const Suspect& b) {
    return a.score != b.score ? a.score < b.score : a.key < b.key;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

std::vector<Ban> ScoreBook::ExpireBans(absl::Time now) {
  std::vector<Ban> ended;
  for (auto it = bans_.begin(); it != bans_.end();) {
    if (it->second.until <= now) {
      ended.push_back(std::move(it->second));
      bans_.erase(it++);
    } else {
      ++it;
    }
  }
  std::sort(ended.begin(), ended.end(),
            [](const Ban& a, const Ban& b) { return a.key < b.key; });
  return ended;
}

}  // namespace datamgmt::abuse
