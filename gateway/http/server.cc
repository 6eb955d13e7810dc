#include "gateway/http/server.h"

#include <cstdint>
#include <exception>
#include <limits>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/str_cat.h"
#include "gateway/http/connection.h"
#include "gateway/http/listener.h"
#include "gateway/http/server_core.h"
#include "spdlog/spdlog.h"

namespace datamgmt::gateway::http {
namespace {

// After the grace period, how long Shutdown waits for the connections'
// strands to carry out the forced close.
constexpr absl::Duration kForceCloseWait = absl::Seconds(1);

// Runs until the io_context stops; a handler's exception is logged, not
// allowed to end the thread.
void RunIoThread(boost::asio::io_context& io_context) {
  for (;;) {
    try {
      io_context.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("http: uncaught exception on an I/O thread: {}", e.what());
    }
  }
}

}  // namespace

absl::Status ServerOptions::Validate() const {
  if (absl::Status s = internal::ParseHost(host).status(); !s.ok()) return s;
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port ", port, " is not in [0, 65535]"));
  }
  if (threads < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("threads must be at least 1, not ", threads));
  }
  if (max_header_bytes == 0 ||
      max_header_bytes > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_header_bytes ", max_header_bytes,
                     " is not in [1, 2^32)"));
  }
  if (header_timeout <= absl::ZeroDuration() ||
      idle_timeout <= absl::ZeroDuration() ||
      write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "header_timeout, idle_timeout and write_timeout must be positive");
  }
  if (max_connections == 0) {
    return absl::InvalidArgumentError("max_connections must be at least 1");
  }
  return tls.Validate();
}

bool IsLoopbackHost(absl::string_view host) {
  absl::StatusOr<boost::asio::ip::address> address = internal::ParseHost(host);
  if (!address.ok()) return false;
  if (address->is_v6() && address->to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                            address->to_v6())
        .is_loopback();
  }
  return address->is_loopback();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, Handler* handler) {
  if (absl::Status s = options.Validate(); !s.ok()) return s;
  if (handler == nullptr) {
    return absl::InvalidArgumentError("handler must not be null");
  }
  std::unique_ptr<boost::asio::ssl::context> tls;
  if (options.tls.enabled()) {
    absl::StatusOr<std::unique_ptr<boost::asio::ssl::context>> context =
        NewServerTlsContext(options.tls);
    if (!context.ok()) return context.status();
    tls = *std::move(context);
  }
  auto core =
      std::make_shared<internal::ServerCore>(options, handler, std::move(tls));
  absl::StatusOr<std::shared_ptr<internal::Listener>> listener =
      internal::Listener::Open(core.get());
  if (!listener.ok()) return listener.status();
  const int port = (*listener)->port();
  auto server = absl::WrapUnique(new Server(core, *listener, port));
  (*listener)->Start();
  server->threads_.reserve(options.threads);
  for (int i = 0; i < options.threads; ++i) {
    server->threads_.emplace_back(
        [core = core.get()] { RunIoThread(core->io_context()); });
  }
  spdlog::debug("http: listening on {} port {} ({}) with {} I/O threads",
                options.host, port, options.tls.enabled() ? "HTTPS" : "HTTP",
                options.threads);
  return server;
}

Server::Server(std::shared_ptr<internal::ServerCore> core,
               std::shared_ptr<internal::Listener> listener, int port)
    : core_(std::move(core)), listener_(std::move(listener)), port_(port) {}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

void Server::Shutdown(absl::Duration grace) {
  std::call_once(shutdown_once_, [this, grace] {
    std::vector<std::shared_ptr<internal::Connection>> open =
        core_->BeginShutdown();
    listener_->Close();
    spdlog::debug("http: port {} closed; draining {} connections", port_,
                  open.size());
    for (const auto& connection : open) connection->BeginShutdown();
    open.clear();
    if (!core_->AwaitNoConnections(grace)) {
      std::vector<std::shared_ptr<internal::Connection>> remaining =
          core_->Connections();
      spdlog::debug("http: closing {} connections after the grace period",
                    remaining.size());
      for (const auto& connection : remaining) connection->ForceClose();
      remaining.clear();
      core_->AwaitNoConnections(kForceCloseWait);
    }
    core_->ReleaseWork();
    core_->io_context().stop();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    spdlog::debug("http: server on port {} stopped", port_);
  });
}

}  // namespace datamgmt::gateway::http
