#include "services/peer_manager/peer_store.h"

#include <algorithm>
#include <utility>

#include "services/peer_manager/known_peers_file.h"
#include "services/peer_manager/known_peers_records.h"

namespace datamgmt::peer_manager {

absl::Status PeerStoreOptions::Validate() const {
  if (absl::Status s = table.Validate(); !s.ok()) return s;
  if (absl::Status s = discovery.Validate(); !s.ok()) return s;
  return save.Validate();
}

absl::StatusOr<std::unique_ptr<PeerStore>> PeerStore::Create(
    const PeerStoreOptions& options, bool has_bootstrap_peers,
    absl::Time start) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  absl::StatusOr<PeerTable> table = PeerTable::Create(options.table);
  if (!table.ok()) return table.status();
  absl::StatusOr<DiscoverySchedule> schedule = DiscoverySchedule::Create(
      options.discovery, has_bootstrap_peers, /*peer_count=*/0, start);
  if (!schedule.ok()) return schedule.status();
  return std::unique_ptr<PeerStore>(
      new PeerStore(options, *std::move(table), *std::move(schedule)));
}

PeerStore::PeerStore(PeerStoreOptions options, PeerTable table,
                     DiscoverySchedule schedule)
    : options_(std::move(options)),
      table_(std::move(table)),
      debouncer_(options_.save),
      schedule_(std::move(schedule)) {}

void PeerStore::Changed(absl::Time now, bool batched) {
  schedule_.ObservePeerCount(table_.size(), now);
  ++generation_;
  if (batched) debouncer_.MarkDirty(now);
}

void PeerStore::ApplyStanding(PeerView& view, absl::Time now) const {
  std::optional<ReportedStanding> standing = standings_.For(view.record, now);
  if (!standing.has_value()) return;
  if (standing->BannedAt(now)) {
    view.healthy = false;
    view.banned_until = standing->banned_until;
    view.ban_reason = standing->reason;
    view.score = 0;
  } else {
    view.score = standing->score;
  }
}

std::vector<PeerView> PeerStore::List(bool healthy_only, absl::Time now) const {
  absl::MutexLock lock(&mu_);
  std::vector<PeerView> views = table_.List(healthy_only, now);
  if (standings_.size() == 0) return views;
  for (PeerView& view : views) ApplyStanding(view, now);
  if (healthy_only) {
    std::erase_if(views, [](const PeerView& v) { return !v.healthy; });
    return views;
  }
  std::vector<PeerRecord> records;
  records.reserve(views.size());
  for (const PeerView& view : views) records.push_back(view.record);
  bool added = false;
  for (auto& [record, standing] : standings_.UnknownBans(records, now)) {
    views.push_back(PeerView{.record = std::move(record),
                             .banned_until = standing.banned_until,
                             .ban_reason = standing.reason});
    added = true;
  }
  if (added) {
    std::sort(views.begin(), views.end(),
              [](const PeerView& a, const PeerView& b) {
                return a.record.address.ToString() <
                       b.record.address.ToString();
              });
  }
  return views;
}

absl::StatusOr<PeerView> PeerStore::Get(absl::string_view address,
                                        absl::Time now) const {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<PeerView> view = table_.Get(address, now);
  if (view.ok()) {
    ApplyStanding(*view, now);
    return view;
  }
  if (!absl::IsNotFound(view.status())) return view;
  absl::StatusOr<net::PeerAddress> wanted = net::ParsePeerAddress(address);
  if (!wanted.ok()) return view;
  for (auto& [record, standing] :
       standings_.UnknownBans(table_.Records(), now)) {
    if (record.address == *wanted) {
      return PeerView{.record = std::move(record),
                      .banned_until = standing.banned_until,
                      .ban_reason = standing.reason};
    }
  }
  return view;
}

PeerCounts PeerStore::Stats(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  PeerCounts counts = table_.Stats(now);
  if (standings_.size() == 0) return counts;
  for (PeerView& view : table_.List(/*healthy_only=*/true, now)) {
    ApplyStanding(view, now);
    if (!view.healthy) --counts.healthy;
  }
  return counts;
}

absl::StatusOr<int> PeerStore::ReplaceStandings(
    std::vector<ReportedStanding> standings, absl::Time now) {
  absl::MutexLock lock(&mu_);
  return standings_.Replace(std::move(standings), now);
}

absl::StatusOr<AddOutcome> PeerStore::Add(absl::string_view address,
                                          absl::string_view node_id_hex,
                                          absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<AddOutcome> out = table_.Add(address, node_id_hex, now);
  if (out.ok()) {
    debouncer_.MarkDirty(now);  // the caller saves at once
    Changed(now, /*batched=*/false);
  }
  return out;
}

absl::StatusOr<PeerRecord> PeerStore::Remove(
    absl::string_view address, std::optional<absl::Time> last_seen_before,
    absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<PeerRecord> out = table_.Remove(address, last_seen_before);
  if (out.ok()) {
    debouncer_.MarkDirty(now);  // the caller saves at once
    Changed(now, /*batched=*/false);
  }
  return out;
}

absl::StatusOr<RecordContactsOutcome> PeerStore::RecordContacts(
    absl::Span<const ContactResult> results, absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<RecordContactsOutcome> out =
      table_.RecordContacts(results, now);
  if (out.ok() && !results.empty()) Changed(now, /*batched=*/true);
  return out;
}

absl::StatusOr<MergeOutcome> PeerStore::MergeHints(
    absl::Span<const PeerHint> hints, absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<MergeOutcome> out = table_.MergeHints(hints, now);
  if (out.ok() && (out->added > 0 || out->node_ids_filled > 0)) {
    Changed(now, /*batched=*/true);
  }
  return out;
}

RestoreOutcome PeerStore::Restore(std::vector<PeerRecord> records,
                                  absl::Time now) {
  absl::MutexLock lock(&mu_);
  RestoreOutcome out = table_.Restore(std::move(records));
  Changed(now, /*batched=*/false);
  return out;
}

absl::Status PeerStore::Save(absl::Time now) {
  if (options_.known_peers_path.empty()) return absl::OkStatus();
  absl::MutexLock writer(&save_mu_);
  uint64_t version;
  KnownPeers snapshot;
  {
    absl::MutexLock lock(&mu_);
    version = debouncer_.version();
    snapshot = KnownPeersFromRecords(table_.Records());
  }
  // No lock on mu_ across the write.
  absl::Status saved = SaveKnownPeersFile(options_.known_peers_path, snapshot);
  absl::MutexLock lock(&mu_);
  if (saved.ok()) {
    debouncer_.OnSaved(version);
  } else {
    debouncer_.OnSaveFailed(now);
    ++generation_;  // the driver re-reads the deadline
  }
  return saved;
}

absl::Status PeerStore::SaveIfDue(absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    if (!debouncer_.SaveDue(now)) return absl::OkStatus();
  }
  return Save(now);
}

absl::Status PeerStore::SaveIfDirty(absl::Time now) {
  {
    absl::MutexLock lock(&mu_);
    if (!debouncer_.dirty()) return absl::OkStatus();
  }
  return Save(now);
}

DiscoveryDecision PeerStore::Due(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  return schedule_.Due(now);
}

void PeerStore::OnBootstrapStarted(absl::Time now) {
  absl::MutexLock lock(&mu_);
  schedule_.OnBootstrapStarted(now);
}

void PeerStore::OnBootstrapFinished(bool any_answered, absl::Time now,
                                    absl::BitGenRef gen) {
  absl::MutexLock lock(&mu_);
  schedule_.ObservePeerCount(table_.size(), now);
  schedule_.OnBootstrapFinished(any_answered, now, gen);
  ++generation_;
}

void PeerStore::OnBootstrapDeferred(absl::Time now) {
  absl::MutexLock lock(&mu_);
  schedule_.OnBootstrapDeferred(now);
}

void PeerStore::OnExchangeStarted(absl::Time now) {
  absl::MutexLock lock(&mu_);
  schedule_.OnExchangeStarted(now);
}

absl::Time PeerStore::NextWakeup(absl::Time now) const {
  absl::MutexLock lock(&mu_);
  absl::Time next = schedule_.NextWakeup(now);
  if (debouncer_.dirty()) next = std::min(next, debouncer_.deadline());
  return next;
}

uint64_t PeerStore::WaitForChange(uint64_t seen, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return stopped_ || generation_ != seen;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return generation_;
}

uint64_t PeerStore::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

void PeerStore::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

}  // namespace datamgmt::peer_manager
