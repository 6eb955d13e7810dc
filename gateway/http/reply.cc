#include "gateway/http/reply.h"

#include <atomic>
#include <utility>

#include <boost/beast/http/status.hpp>

#include "absl/status/status.h"
#include "gateway/http/connection.h"
#include "gateway/http/error_response.h"
#include "spdlog/spdlog.h"

namespace datamgmt::gateway::http::internal {
namespace {

class ReplyState {
 public:
  ReplyState(std::shared_ptr<ServerCore> core,
             std::shared_ptr<Connection> connection)
      : core_(std::move(core)), connection_(std::move(connection)) {}

  ReplyState(const ReplyState&) = delete;
  ReplyState& operator=(const ReplyState&) = delete;

  ~ReplyState() {
    if (replied_.load(std::memory_order_acquire)) return;
    spdlog::warn("http: handler dropped a request without replying");
    connection_->PostReply(ErrorResponse(
        boost::beast::http::status::internal_server_error,
        absl::StatusCode::kInternal,
        "the handler dropped the request without replying"));
  }

  void Complete(Response response) {
    if (replied_.exchange(true, std::memory_order_acq_rel)) {
      spdlog::warn("http: reply called more than once; ignored");
      return;
    }
    connection_->PostReply(std::move(response));
  }

 private:
  // Declared first, destroyed last: keeps the io_context alive while the
  // connection (and its socket) is destroyed.
  const std::shared_ptr<ServerCore> core_;
  const std::shared_ptr<Connection> connection_;
  std::atomic<bool> replied_{false};
};

}  // namespace

Reply MakeReply(std::shared_ptr<ServerCore> core,
                std::shared_ptr<Connection> connection) {
  auto state =
      std::make_shared<ReplyState>(std::move(core), std::move(connection));
  return [state = std::move(state)](Response response) {
    state->Complete(std::move(response));
  };
}

}  // namespace datamgmt::gateway::http::internal
