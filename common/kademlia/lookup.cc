#include "common/kademlia/lookup.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace datamgmt::kademlia {

absl::Status LookupOptions::Validate() const {
  if (k < 1) {
    return absl::InvalidArgumentError(absl::StrCat("k must be >= 1, got ", k));
  }
  if (alpha < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("alpha must be >= 1, got ", alpha));
  }
  if (max_queries < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_queries must be >= 1, got ", max_queries));
  }
  return absl::OkStatus();
}

absl::StatusOr<Lookup> Lookup::Create(const NodeId& self, const NodeId& target,
                                      LookupKind kind,
                                      absl::Span<const Contact> seeds,
                                      const LookupOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  Lookup lookup(self, target, kind, options);
  for (const Contact& seed : seeds) {
    if (seed.id != self) lookup.Learn(Xor(target, seed.id), seed, /*hop=*/1);
  }
  lookup.UpdateDone();
  return lookup;
}

Lookup::Lookup(const NodeId& self, const NodeId& target, LookupKind kind,
               const LookupOptions& options)
    : self_(self), target_(target), kind_(kind), options_(options) {}

std::vector<Contact> Lookup::NextQueries() {
  std::vector<Contact> out;
  if (done_) return out;
  int budget =
      expanded_ ? std::numeric_limits<int>::max() : options_.alpha - in_flight_;
  budget = std::min(budget, options_.max_queries - stats_.queried);
  int in_window = 0;
  for (auto& [distance, candidate] : candidates_) {
    if (budget <= 0 || in_window >= options_.k) break;
    if (candidate.state == State::kFailed) continue;
    ++in_window;
    if (candidate.state != State::kUnqueried) continue;
    candidate.state = State::kInFlight;
    ++in_flight_;
    ++stats_.queried;
    --budget;
    out.push_back(candidate.contact);
  }
  return out;
}

bool Lookup::OnNodes(const NodeId& from, absl::Span<const Contact> contacts) {
  Candidate* responder = Awaited(from);
  if (responder == nullptr) return false;
  EndQuery(*responder, State::kResponded);
  ++stats_.responded;
  stats_.max_hop = std::max(stats_.max_hop, responder->hop);
  const int hop = responder->hop + 1;

  // Only the k closest distinct contacts of a response count, so a padded
  // response cannot flood the lookup. Contacts that already failed in this
  // lookup are dropped first, so peers naming dead nodes cannot crowd live
  // ones out of the cut.
  std::vector<std::pair<Distance, const Contact*>> usable;
  usable.reserve(contacts.size());
  for (const Contact& c : contacts) {
    if (c.id == self_ || c.id == from) continue;
    const Distance d = Xor(target_, c.id);
    auto known = candidates_.find(d);
    if (known != candidates_.end() && known->second.state == State::kFailed) {
      continue;
    }
    usable.emplace_back(d, &c);
  }
  auto by_distance = [](const auto& a, const auto& b) {
    return a.first < b.first;
  };
  std::sort(usable.begin(), usable.end(), by_distance);
  usable.erase(std::unique(usable.begin(), usable.end(),
                           [](const auto& a, const auto& b) {
                             return a.first == b.first;
                           }),
               usable.end());
  if (usable.size() > static_cast<size_t>(options_.k)) {
    usable.resize(options_.k);
  }

  bool progress = false;
  for (const auto& [distance, c] : usable) {
    progress |= Learn(distance, *c, hop);
  }
  if (progress) {
    Progress();
  } else {
    NoProgress();
  }
  UpdateDone();
  return true;
}

bool Lookup::OnValue(const NodeId& from, std::string value) {
  if (kind_ != LookupKind::kFindValue) return false;
  Candidate* holder = Awaited(from);
  if (holder == nullptr) return false;
  EndQuery(*holder, State::kResponded);
  ++stats_.responded;
  stats_.max_hop = std::max(stats_.max_hop, holder->hop);
  value_ = std::move(value);
  value_holder_ = holder->contact;
  value_hop_ = holder->hop;
  done_ = true;
  return true;
}

bool Lookup::OnFailure(const NodeId& from) {
  Candidate* failed = Awaited(from);
  if (failed == nullptr) return false;
  EndQuery(*failed, State::kFailed);
  ++stats_.failed;
  NoProgress();
  UpdateDone();
  return true;
}

bool Lookup::OnStalled(const NodeId& from) {
  Candidate* slow = Awaited(from);
  if (slow == nullptr || slow->state != State::kInFlight) return false;
  slow->state = State::kStalled;
  --in_flight_;
  ++stalled_;
  ++stats_.stalled;
  return true;
}

LookupResult Lookup::result() const {
  LookupResult result;
  for (const auto& [distance, candidate] : candidates_) {
    if (result.closest.size() >= static_cast<size_t>(options_.k)) break;
    if (candidate.state == State::kResponded) {
      result.closest.push_back(candidate.contact);
    }
  }
  result.stats = stats_;
  if (value_.has_value()) {
    result.value = value_;
    result.value_holder = value_holder_;
    result.stats.hops = value_hop_;
    for (const auto& [distance, candidate] : candidates_) {
      if (candidate.state == State::kResponded &&
          candidate.contact.id != value_holder_->id) {
        result.cache_candidate = candidate.contact;
        break;
      }
    }
  } else if (!result.closest.empty()) {
    result.stats.hops = candidates_.at(Xor(target_, result.closest[0].id)).hop;
  }
  return result;
}

Lookup::Candidate* Lookup::Awaited(const NodeId& from) {
  if (done_) return nullptr;
  auto it = candidates_.find(Xor(target_, from));
  if (it == candidates_.end()) return nullptr;
  const State state = it->second.state;
  if (state != State::kInFlight && state != State::kStalled) return nullptr;
  return &it->second;
}

void Lookup::EndQuery(Candidate& candidate, State outcome) {
  if (candidate.state == State::kInFlight) {
    --in_flight_;
  } else {
    --stalled_;
  }
  candidate.state = outcome;
}

bool Lookup::Learn(const Distance& distance, const Contact& contact, int hop) {
  auto [it, inserted] = candidates_.try_emplace(
      distance, Candidate{.contact = contact, .hop = hop});
  if (!inserted) {
    Candidate& known = it->second;
    if (known.state != State::kResponded && known.state != State::kFailed) {
      known.hop = std::min(known.hop, hop);
    }
    return false;
  }
  return it == candidates_.begin();
}

void Lookup::NoProgress() {
  if (++no_progress_streak_ >= options_.alpha) expanded_ = true;
}

void Lookup::Progress() {
  no_progress_streak_ = 0;
  expanded_ = false;
}

void Lookup::UpdateDone() {
  if (done_) return;
  if (stats_.queried >= options_.max_queries && outstanding() == 0) {
    done_ = true;
    return;
  }
  int in_window = 0;
  for (const auto& [distance, candidate] : candidates_) {
    if (in_window >= options_.k) break;
    if (candidate.state == State::kFailed) continue;
    if (candidate.state != State::kResponded) return;
    ++in_window;
  }
  done_ = true;
}

}  // namespace datamgmt::kademlia
