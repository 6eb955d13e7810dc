#include "common/grpc/channel_cache.h"

namespace datamgmt {

ChannelCache::ChannelCache(ChannelCacheOptions options)
    : options_(std::move(options)) {}

std::shared_ptr<grpc::Channel> ChannelCache::Get(absl::string_view address) {
  absl::MutexLock lock(&mu_);
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
  std::shared_ptr<grpc::Channel> channel = grpc::CreateCustomChannel(
      std::string(address), options_.credentials, args);
  lru_.emplace_front(address);
  channels_.emplace(address, Entry{channel, lru_.begin()});
  while (channels_.size() > options_.max_channels && !lru_.empty()) {
    channels_.erase(lru_.back());
    lru_.pop_back();
  }
  return channel;
}

void ChannelCache::Evict(absl::string_view address) {
  absl::MutexLock lock(&mu_);
  auto it = channels_.find(address);
  if (it == channels_.end()) return;
  lru_.erase(it->second.lru_position);
  channels_.erase(it);
}

size_t ChannelCache::size() const {
  absl::MutexLock lock(&mu_);
  return channels_.size();
}

}  // namespace datamgmt
