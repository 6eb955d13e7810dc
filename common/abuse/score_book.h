// A misbehaviour score per peer, and bans for peers whose score falls too
// low. The keys are opaque strings (dht-service uses "id:<node ID hex>" and
// "ip:<source address>"); the book knows nothing of the network.
//
//   ScoreBook book(ScoreBookOptions{});
//   Verdict v = book.Penalize("id:4f2a...", Offense::kTamperedData, now,
//                             "FindValue value does not hash to its key");
//   if (v.newly_banned) log(...);
//   if (book.IsBanned("id:4f2a...", now)) /* refuse, do not dial */;
//   book.Reward("id:77c1...", now);   // a good exchange
//
// Scoring. Every key starts neutral (0). Each offense subtracts its
// penalty; each good exchange adds `good_exchange_reward`, up to
// `max_score` (a long-standing peer has a little credit, never enough to
// shrug off tampered data). Between events the score decays toward 0 with
// `half_life`, so occasional faults of an honest peer (a malformed answer
// during an upgrade, a short burst over the rate limit) are forgotten.
// When the score reaches -ban_threshold or below, the key is banned until
// now + ban_duration with the offense that tipped it as the reason; its
// score is then dropped, and after the ban it starts neutral again. While
// banned, further offenses and rewards change nothing.
//
// Defaults (each documented at its field): tampered data 200 (one
// tampered value bans any peer), a protocol violation 25 (4 ban), a
// malformed message 10 (10 ban), an unexpected responder 5, a request over
// the rate limit 1 (a peer that keeps flooding past the limit is banned
// after about 100 refused requests), threshold 100, half-life 10 minutes,
// bans of 1 hour.
//
// Memory is bounded: at most `max_tracked` scores (the least recently
// touched is forgotten first, i.e. reset to neutral) and at most `max_bans`
// bans (when full, the ban that would end soonest is lifted early).
//
// Thread-compatible; no clock reads (time comes in as `now`).
#ifndef DATAMGMT_COMMON_ABUSE_SCORE_BOOK_H_
#define DATAMGMT_COMMON_ABUSE_SCORE_BOOK_H_

#include <cstddef>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace datamgmt::abuse {

enum class Offense {
  // Data that does not hash to its key (a FindValue value, a Store value).
  kTamperedData,
  // A well-formed message that breaks the protocol's rules.
  kProtocolViolation,
  // A request or answer that does not parse or breaks a field's format
  // (INVALID_ARGUMENT).
  kMalformedMessage,
  // An answer from another node ID than the contact dialled. Light: a node
  // that restarted with a new ID at the same address does this honestly.
  kUnexpectedResponder,
  // A request refused for exceeding a rate limit.
  kRateLimited,
};

// "tampered data", "protocol violation", "malformed message",
// "unexpected responder", "rate limited".
absl::string_view OffenseName(Offense offense);

struct ScoreBookOptions {
  // Points each offense subtracts. Each must be positive.
  // Default: 200 (more than ban_threshold + max_score: one tampered value
  // bans at once).
  double tampered_data_penalty = 200;
  // Default: 25.
  double protocol_violation_penalty = 25;
  // Default: 10.
  double malformed_message_penalty = 10;
  // Default: 5.
  double unexpected_responder_penalty = 5;
  // Default: 1.
  double rate_limited_penalty = 1;

  // Points a good exchange adds. Must not be negative. Default: 1.
  double good_exchange_reward = 1;
  // The highest score. Must not be negative. Default: 10.
  double max_score = 10;

  // A key whose score is -ban_threshold or lower is banned. Must be
  // positive. Default: 100.
  double ban_threshold = 100;
  // Scores halve toward 0 in this time. Must be positive. Default: 10 min.
  absl::Duration half_life = absl::Minutes(10);
  // How long a ban lasts. Must be positive. Default: 1 hour.
  absl::Duration ban_duration = absl::Hours(1);

  // Scores kept at most. Must be at least 1. Default: 10,000.
  size_t max_tracked = 10'000;
  // Bans kept at most. Must be at least 1. Default: 10,000.
  size_t max_bans = 10'000;

  // The penalty of `offense`.
  double Penalty(Offense offense) const;

  // Returns InvalidArgument naming the first bad field.
  absl::Status Validate() const;
};

// A ban in force.
struct Ban {
  std::string key{};
  absl::Time since{};
  absl::Time until{};
  // The offense that tipped the score, with its detail.
  std::string reason{};
  // The key's label (ScoreBook::Penalize) when it was banned.
  std::string label{};
};

// What a key's standing is after an event.
struct Verdict {
  // The score after the event (0 once banned: bans replace scores).
  double score = 0;
  // Banned now, by this event or an earlier one.
  bool banned = false;
  // Banned by this very event: log and act on it once.
  bool newly_banned = false;
  // The ban, when banned.
  std::optional<Ban> ban{};
};

// A key with a score below neutral.
struct Suspect {
  std::string key{};
  double score = 0;
  std::string label{};
};

class ScoreBook {
 public:
  // Precondition: options.Validate().ok(); out-of-range sizes are clamped
  // to 1.
  explicit ScoreBook(ScoreBookOptions options);

  // Charges `key` with `offense` at `now`. `detail` says what happened (it
  // becomes the ban's reason if this bans the key); a non-empty `label`
  // (e.g. the peer's address) is kept with the key for reports.
  Verdict Penalize(absl::string_view key, Offense offense, absl::Time now,
                   absl::string_view detail, absl::string_view label = "");

  // Credits `key` with one good exchange at `now`. No effect while banned.
  void Reward(absl::string_view key, absl::Time now);

  // The ban in force on `key` at `now`, or nullopt.
  std::optional<Ban> BanOf(absl::string_view key, absl::Time now) const;
  bool IsBanned(absl::string_view key, absl::Time now) const {
    return BanOf(key, now).has_value();
  }

  // `key`'s score at `now` (decayed; 0 if unknown or banned).
  double Score(absl::string_view key, absl::Time now) const;

  // Every ban in force at `now`, the latest to end first.
  std::vector<Ban> Bans(absl::Time now) const;

  // Up to `n` keys with a negative score at `now`, the lowest first.
  std::vector<Suspect> Suspects(absl::Time now, size_t n) const;

  // Forgets bans that have ended by `now` and returns them (to log that
  // they were lifted).
  std::vector<Ban> ExpireBans(absl::Time now);

  // Scores and bans held now (bans may include ended ones not yet expired).
  size_t tracked() const { return scores_.size(); }
  size_t bans_held() const { return bans_.size(); }

  const ScoreBookOptions& options() const { return options_; }

 private:
  struct Entry {
    double score = 0;
    absl::Time updated{};
    std::string label{};
    std::list<std::string>::iterator lru{};
  };

  // `entry`'s score decayed from its last update to `now`.
  double Decayed(const Entry& entry, absl::Time now) const;
  // The entry for `key`, created neutral (evicting the least recently
  // touched if full), decayed to `now` and marked most recently touched.
  Entry& Touch(absl::string_view key, absl::Time now);
  void Forget(absl::string_view key);
  // Erases `key`'s ban if it has ended by `now`; true if one is in force.
  bool BannedNow(absl::string_view key, absl::Time now);

  ScoreBookOptions options_;
  // Most recently touched first.
  std::list<std::string> lru_;
  absl::flat_hash_map<std::string, Entry> scores_;
  absl::flat_hash_map<std::string, Ban> bans_;
};

}  // namespace datamgmt::abuse

#endif  // DATAMGMT_COMMON_ABUSE_SCORE_BOOK_H_
