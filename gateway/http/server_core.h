// Internal to //gateway/http:server. State shared by the Server, its
// listener, its connections and outstanding replies.
//
// Lifetime: the Server, and every outstanding Reply, hold a shared_ptr to the
// core, so the io_context outlives anything that may still post to it (a
// handler replying after the Server is gone). Connections and the listener
// hold a raw pointer: they only exist inside the io_context's handlers, the
// Server or a Reply, all of which keep the core alive.
#ifndef DATAMGMT_GATEWAY_HTTP_SERVER_CORE_H_
#define DATAMGMT_GATEWAY_HTTP_SERVER_CORE_H_

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/http/handler.h"
#include "gateway/http/server.h"

namespace datamgmt::gateway::http::internal {

class Connection;

// Thread-safe.
class ServerCore : public std::enable_shared_from_this<ServerCore> {
 public:
  // `tls` (may be null: plain HTTP) serves every connection.
  ServerCore(const ServerOptions& options, Handler* handler,
             std::unique_ptr<boost::asio::ssl::context> tls = nullptr);

  const ServerOptions& options() const { return options_; }
  Handler* handler() const { return handler_; }
  // The TLS context of every connection, or null for plain HTTP.
  boost::asio::ssl::context* tls_context() const { return tls_.get(); }
  boost::asio::io_context& io_context() { return io_context_; }

  // True once Shutdown began: responses then carry "Connection: close".
  bool shutting_down() const {
    return shutting_down_.load(std::memory_order_acquire);
  }

  // Sets shutting_down() and returns the connections open at that moment;
  // Register refuses any connection afterwards.
  std::vector<std::shared_ptr<Connection>> BeginShutdown();

  // Records an accepted connection. Returns false (recording nothing) if
  // max_connections are open or shutdown began.
  bool Register(const std::shared_ptr<Connection>& connection);

  // Forgets a closed connection. No-op if unknown.
  void Unregister(Connection* connection);

  // The connections still open.
  std::vector<std::shared_ptr<Connection>> Connections() const;

  // Waits until no connection is open or `timeout` passed. Returns true if
  // none is open.
  bool AwaitNoConnections(absl::Duration timeout) const;

  // Lets io_context().run() return once it runs out of work.
  void ReleaseWork() { work_.reset(); }

 private:
  const ServerOptions options_;
  Handler* const handler_;
  const std::unique_ptr<boost::asio::ssl::context> tls_;
  std::atomic<bool> shutting_down_{false};

  mutable absl::Mutex mu_;
  absl::flat_hash_map<Connection*, std::weak_ptr<Connection>> connections_
      ABSL_GUARDED_BY(mu_);

  // Declared last so that it is destroyed first, together with any handler
  // still queued in it (which may own connections), while the members above
  // still exist.
  boost::asio::io_context io_context_;
  std::optional<boost::asio::executor_work_guard<
      boost::asio::io_context::executor_type>>
      work_;
};

}  // namespace datamgmt::gateway::http::internal

#endif  // DATAMGMT_GATEWAY_HTTP_SERVER_CORE_H_
