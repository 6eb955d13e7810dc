// Handlers shared by server_test.cc and server_limits_test.cc.
#ifndef DATAMGMT_GATEWAY_HTTP_TEST_HANDLERS_H_
#define DATAMGMT_GATEWAY_HTTP_TEST_HANDLERS_H_

#include <atomic>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/http/handler.h"

namespace datamgmt::gateway::http {

// Replies at once with 200: the request's body (or, if empty, its target),
// and X-Method, X-Target, X-Remote headers. Counts its calls.
class EchoHandler : public Handler {
 public:
  void Handle(Request request, Reply reply) override {
    calls_.fetch_add(1, std::memory_order_relaxed);
    Response response{boost::beast::http::status::ok, 11};
    response.set("X-Method", request.method_string);
    response.set("X-Target", request.target);
    response.set("X-Remote", request.remote_address);
    response.body() =
        request.body.empty() ? request.target : std::move(request.body);
    reply(std::move(response));
  }

  int calls() const { return calls_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> calls_{0};
};

struct PendingRequest {
  Request request;
  Reply reply;
};

// Keeps every request with its Reply until the test takes and completes it.
class DeferredHandler : public Handler {
 public:
  void Handle(Request request, Reply reply) override {
    absl::MutexLock lock(&mu_);
    pending_.push_back({std::move(request), std::move(reply)});
  }

  // The oldest pending request, waiting up to `timeout` for one.
  std::optional<PendingRequest> Take(
      absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto any = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !pending_.empty();
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&any), timeout)) {
      return std::nullopt;
    }
    PendingRequest next = std::move(pending_.front());
    pending_.pop_front();
    return next;
  }

 private:
  absl::Mutex mu_;
  std::deque<PendingRequest> pending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace datamgmt::gateway::http

#endif  // DATAMGMT_GATEWAY_HTTP_TEST_HANDLERS_H_
