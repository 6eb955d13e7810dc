#include "gateway/http/server_core.h"

#include <utility>

namespace datamgmt::gateway::http::internal {

ServerCore::ServerCore(const ServerOptions& options, Handler* handler,
                       std::unique_ptr<boost::asio::ssl::context> tls)
    : options_(options),
      handler_(handler),
      tls_(std::move(tls)),
      io_context_(options.threads),
      work_(boost::asio::make_work_guard(io_context_)) {}

std::vector<std::shared_ptr<Connection>> ServerCore::BeginShutdown() {
  absl::MutexLock lock(&mu_);
  shutting_down_.store(true, std::memory_order_release);
  std::vector<std::shared_ptr<Connection>> open;
  open.reserve(connections_.size());
  for (const auto& [raw, weak] : connections_) {
    if (std::shared_ptr<Connection> connection = weak.lock()) {
      open.push_back(std::move(connection));
    }
  }
  return open;
}

bool ServerCore::Register(const std::shared_ptr<Connection>& connection) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_.load(std::memory_order_relaxed) ||
      connections_.size() >= options_.max_connections) {
    return false;
  }
  connections_.emplace(connection.get(), connection);
  return true;
}

void ServerCore::Unregister(Connection* connection) {
  absl::MutexLock lock(&mu_);
  connections_.erase(connection);
}

std::vector<std::shared_ptr<Connection>> ServerCore::Connections() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<Connection>> open;
  open.reserve(connections_.size());
  for (const auto& [raw, weak] : connections_) {
    if (std::shared_ptr<Connection> connection = weak.lock()) {
      open.push_back(std::move(connection));
    }
  }
  return open;
}

bool ServerCore::AwaitNoConnections(absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto none_open = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return connections_.empty();
  };
  return mu_.AwaitWithTimeout(absl::Condition(&none_open), timeout);
}

}  // namespace datamgmt::gateway::http::internal
