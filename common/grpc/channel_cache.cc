#include "common/grpc/channel_cache.h"

#include "common/grpc/callback_queue.h"

namespace datamgmt {

ChannelCache::ChannelCache(ChannelCacheOptions options)
    : options_(std::move(options)), credentials_(options_.credentials) {
  PinCallbackQueue();
}

std::shared_ptr<grpc::Channel> ChannelCache::Get(absl::string_view address) {
  std::vector<std::shared_ptr<grpc::Channel>> released;  // destroyed unlocked
  absl::MutexLock lock(&mu_);
  released = SweepLocked();
  auto it = channels_.find(address);
  if (it != channels_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru_position);
    return it->second.channel;
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(options_.max_receive_message_bytes);
  // Each cached channel is its own connection, not shared via the global
  // subchannel pool, so evicting it really closes it.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (!options_.ssl_target_name_override.empty()) {
    args.SetSslTargetNameOverride(options_.ssl_target_name_override);
  }
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      std::string(address), credentials_, args);
  lru_.emplace_front(address);
  channels_.emplace(address, Entry{channel, lru_.begin()});
  while (channels_.size() > options_.max_channels && !lru_.empty()) {
    auto oldest = channels_.find(lru_.back());
    RetireLocked(std::move(oldest->second.channel));
    channels_.erase(oldest);
    lru_.pop_back();
  }
  return channel;
}

void ChannelCache::Evict(absl::string_view address) {
  std::vector<std::shared_ptr<grpc::Channel>> released;  // destroyed unlocked
  absl::MutexLock lock(&mu_);
  released = SweepLocked();
  auto it = channels_.find(address);
  if (it == channels_.end()) return;
  lru_.erase(it->second.lru_position);
  RetireLocked(std::move(it->second.channel));
  channels_.erase(it);
}

void ChannelCache::SetCredentials(
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  std::vector<std::shared_ptr<grpc::Channel>> released;  // destroyed unlocked
  absl::MutexLock lock(&mu_);
  released = SweepLocked();
  credentials_ = std::move(credentials);
  for (auto& [address, entry] : channels_) {
    RetireLocked(std::move(entry.channel));
  }
  channels_.clear();
  lru_.clear();
}

void ChannelCache::RetireLocked(std::shared_ptr<grpc::Channel> channel) {
  retired_.push_back({std::move(channel), options_.clock->Now()});
}

std::vector<std::shared_ptr<grpc::Channel>> ChannelCache::SweepLocked() {
  std::vector<std::shared_ptr<grpc::Channel>> released;
  if (retired_.empty()) return released;
  const absl::Time cutoff = options_.clock->Now() - options_.retire_grace;
  auto keep = retired_.begin();
  for (Retired& r : retired_) {
    if (r.at <= cutoff && r.channel.use_count() == 1) {
      released.push_back(std::move(r.channel));
    } else {
      *keep++ = std::move(r);
    }
  }
  retired_.erase(keep, retired_.end());
  return released;
}

size_t ChannelCache::size() const {
  absl::MutexLock lock(&mu_);
  return channels_.size();
}

size_t ChannelCache::retired() const {
  absl::MutexLock lock(&mu_);
  return retired_.size();
}

}  // namespace datamgmt
