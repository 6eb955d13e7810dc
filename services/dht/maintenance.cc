#include "services/dht/maintenance.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "spdlog/spdlog.h"

namespace datamgmt::dht {

using kademlia::LookupKind;
using kademlia::LookupResult;
using kademlia::NodeId;

absl::Status MaintenanceOptions::Validate() const {
  if (republish_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("republish_interval must be positive");
  }
  if (republish_concurrency < 1) {
    return absl::InvalidArgumentError(
        "republish_concurrency must be at least 1");
  }
  if (republish_pace <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("republish_pace must be positive");
  }
  if (max_refresh_lookups < 1) {
    return absl::InvalidArgumentError("max_refresh_lookups must be at least 1");
  }
  if (bootstrap_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("bootstrap_interval must be positive");
  }
  if (bootstrap_peers < 1) {
    return absl::InvalidArgumentError("bootstrap_peers must be at least 1");
  }
  if (peer_manager_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("peer_manager_timeout must be positive");
  }
  if (sparse_table_size < 0) {
    return absl::InvalidArgumentError("sparse_table_size must not be negative");
  }
  if (sparse_lookup_interval <= absl::ZeroDuration() ||
      max_sparse_lookup_interval < sparse_lookup_interval) {
    return absl::InvalidArgumentError(
        "sparse_lookup_interval must be positive and at most "
        "max_sparse_lookup_interval");
  }
  if (min_tick <= absl::ZeroDuration() || max_tick < min_tick) {
    return absl::InvalidArgumentError(
        "min_tick must be positive and at most max_tick");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Maintenance>> Maintenance::Create(
    MaintenanceDeps deps, MaintenanceOptions options, absl::Time now) {
  if (deps.routing == nullptr || deps.runner == nullptr ||
      deps.data == nullptr || deps.store == nullptr || deps.client == nullptr ||
      deps.learner == nullptr) {
    return absl::InvalidArgumentError(
        "Maintenance needs routing, runner, data, store, client and learner");
  }
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  return std::unique_ptr<Maintenance>(new Maintenance(deps, options, now));
}

MaintenanceStats Maintenance::stats() const {
  absl::MutexLock lock(&mu_);
  MaintenanceStats out = stats_;
  out.republish_queued = queue_.size();
  out.sparse_lookup_in_flight = sparse_in_flight_;
  return out;
}

Maintenance::~Maintenance() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &bootstrap_in_flight_));
}

absl::Time Maintenance::Tick(absl::Time now) {
  absl::Time next = now + options_.max_tick;
  if (deps_.peer_manager != nullptr && deps_.routing->size() == 0) {
    bool due = false;
    {
      absl::MutexLock lock(&mu_);
      if (now >= next_bootstrap_) {
        next_bootstrap_ = now + options_.bootstrap_interval;
        ++stats_.bootstraps;
        ++bootstrap_in_flight_;
        due = true;
      }
      next = std::min(next, next_bootstrap_);
    }
    if (due) StartBootstrap();
  }
  RefreshBuckets();
  next = std::min(next, deps_.routing->NextRefreshDeadline());
  next = std::min(next, SparseLookup(now));
  next = std::min(next, Republish(now));
  if (deps_.reporter != nullptr) {
    next = std::min(next, deps_.reporter->Flush(now));
  }
  return std::max(next, now + options_.min_tick);
}

void Maintenance::StartBootstrap() {
  struct Call {
    grpc::ClientContext ctx;
    peers::v1::ListPeersRequest request;
    peers::v1::ListPeersResponse response;
  };
  auto call = std::make_shared<Call>();
  call->request.set_healthy(true);
  call->ctx.set_deadline(
      absl::ToChronoTime(absl::Now() + options_.peer_manager_timeout));
  deps_.peer_manager->async()->ListPeers(
      &call->ctx, &call->request, &call->response,
      [this, call](grpc::Status status) {
        if (!status.ok()) {
          spdlog::debug("bootstrap: peer-manager unavailable: {}",
                        status.error_message());
        }
        int pinged = 0;
        for (const peers::v1::Peer& peer : call->response.peers()) {
          if (pinged++ >= options_.bootstrap_peers) break;
          deps_.client->Ping(
              peer.address(), {}, [this](absl::StatusOr<PingReply> reply) {
                if (!reply.ok()) return;
                deps_.learner->Learn(reply->responder).IgnoreError();
              });
        }
        absl::MutexLock lock(&mu_);
        --bootstrap_in_flight_;
      });
}

absl::Time Maintenance::SparseLookup(absl::Time now) {
  const size_t size = deps_.routing->size();
  {
    absl::MutexLock lock(&mu_);
    if (sparse_grew_.has_value()) {  // a lookup finished since the last Tick
      sparse_interval_ =
          *sparse_grew_ ? options_.sparse_lookup_interval
                        : std::min(2 * sparse_interval_,
                                   options_.max_sparse_lookup_interval);
      next_sparse_lookup_ = now + sparse_interval_;
      sparse_grew_.reset();
    }
    if (sparse_in_flight_ || size == 0 ||
        size >= static_cast<size_t>(options_.sparse_table_size)) {
      return absl::InfiniteFuture();
    }
    if (now < next_sparse_lookup_) return next_sparse_lookup_;
    sparse_in_flight_ = true;
    sparse_size_before_ = size;
    ++stats_.sparse_lookups;
  }
  deps_.runner->Start(deps_.routing->self(), LookupKind::kFindNode,
                      [this](LookupResult) {
                        const size_t after = deps_.routing->size();
                        absl::MutexLock lock(&mu_);
                        sparse_grew_ = after > sparse_size_before_;
                        sparse_in_flight_ = false;
                      });
  return absl::InfiniteFuture();
}

void Maintenance::RefreshBuckets() {
  const std::vector<int> due = deps_.routing->BucketsDueForRefresh();
  std::vector<std::pair<int, NodeId>> start;
  {
    absl::MutexLock lock(&mu_);
    for (int bucket : due) {
      if (static_cast<int>(refreshing_.size()) >=
          options_.max_refresh_lookups) {
        break;
      }
      if (!refreshing_.insert(bucket).second) continue;
      start.emplace_back(bucket, kademlia::RandomIdInBucket(
                                     deps_.routing->self(), bucket, gen_));
      ++stats_.refresh_lookups;
    }
  }
  for (const auto& [bucket, target] : start) {
    deps_.runner->Start(target, LookupKind::kFindNode,
                        [this, bucket = bucket](LookupResult) {
                          deps_.routing->MarkRefreshed(bucket).IgnoreError();
                          absl::MutexLock lock(&mu_);
                          refreshing_.erase(bucket);
                        });
  }
}

absl::Time Maintenance::Republish(absl::Time now) {
  std::vector<NodeId> batch;
  absl::Time next;
  {
    absl::MutexLock lock(&mu_);
    if (!round_active_ && now >= next_republish_) {
      round_active_ = true;
      round_started_ = now;
      deps_.store->ForEachKey([&](const NodeId& key) {
        queue_.push_back(key);
        return true;
      });
    }
    if (round_active_) {
      while (!queue_.empty() &&
             stats_.republish_in_flight + static_cast<int>(batch.size()) <
                 options_.republish_concurrency) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      stats_.republish_in_flight += static_cast<int>(batch.size());
      if (queue_.empty() && stats_.republish_in_flight == 0) {
        round_active_ = false;
        ++stats_.republish_rounds;
        next_republish_ = round_started_ + options_.republish_interval;
      }
    }
    next = round_active_ ? now + options_.republish_pace : next_republish_;
  }
  for (const NodeId& key : batch) {
    absl::StatusOr<std::string> value = deps_.store->Get(key);
    auto done = [this](int stored) {
      absl::MutexLock lock(&mu_);
      --stats_.republish_in_flight;
      ++stats_.keys_republished;
      stats_.replicas_stored += static_cast<uint64_t>(stored);
    };
    if (!value.ok()) {  // deleted or corrupt since the round began
      done(0);
      continue;
    }
    deps_.data->Replicate(
        key, std::make_shared<const std::string>(*std::move(value)), done);
  }
  return next;
}

}  // namespace datamgmt::dht
