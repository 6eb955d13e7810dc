#include "services/health_monitor/health_monitor_service.h"

#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/status/grpc_status.h"
#include "common/proto/proto_time.h"

namespace datamgmt::health {
namespace {

// RunCheck's reactor. It finishes once: with the round's result, or on
// cancellation (deadline, client gone, shutdown). The round's completion
// holds `state`, never the reactor, once the call has finished.
class RunCheckReactor final : public grpc::ServerUnaryReactor {
 public:
  struct State {
    absl::Mutex mu;
    RunCheckReactor* reactor ABSL_GUARDED_BY(mu);  // null once finished
  };

  explicit RunCheckReactor(v1::CheckRound* response)
      : response_(response), state_(std::make_shared<State>()) {
    absl::MutexLock lock(&state_->mu);
    state_->reactor = this;
  }

  std::shared_ptr<State> state() { return state_; }

  // Finishes the call with `result` unless it already ended.
  static void Complete(State& state, const RoundResult& result) {
    absl::MutexLock lock(&state.mu);
    if (state.reactor == nullptr) return;
    RunCheckReactor* r = std::exchange(state.reactor, nullptr);
    *r->response_ = ToProto(result);
    r->Finish(result.error.ok() ? grpc::Status::OK
                                : ToGrpcStatus(result.error));
  }

  void OnCancel() override {
    absl::MutexLock lock(&state_->mu);
    if (state_->reactor == nullptr) return;
    state_->reactor = nullptr;
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled"));
  }
  void OnDone() override { delete this; }

 private:
  v1::CheckRound* const response_;
  std::shared_ptr<State> state_;
};

}  // namespace

v1::CheckRound ToProto(const RoundResult& r) {
  v1::CheckRound out;
  *out.mutable_start_time() = ToProtoTimestamp(r.started_at);
  *out.mutable_duration() = ToProtoDuration(r.duration);
  out.set_peers_checked(r.checked);
  out.set_peers_pinged(r.pinged);
  out.set_peers_failed(r.failed);
  out.set_peers_pruned(r.pruned);
  for (const std::string& a : r.pruned_addresses) out.add_pruned_addresses(a);
  out.set_manual(r.manual);
  if (!r.error.ok()) {
    out.mutable_error()->set_code(static_cast<int>(r.error.code()));
    out.mutable_error()->set_message(std::string(r.error.message()));
  }
  return out;
}

grpc::ServerUnaryReactor* HealthMonitorService::GetStatus(
    grpc::CallbackServerContext* ctx, const v1::GetStatusRequest*,
    v1::MonitorStatus* response) {
  const MonitorSnapshot s = rounds_.Snapshot();
  if (s.last_round.has_value()) {
    *response->mutable_last_round() = ToProto(*s.last_round);
  }
  response->set_rounds_completed(s.rounds_completed);
  response->set_round_in_progress(s.round_in_progress);
  if (s.next_run_time != absl::InfiniteFuture()) {
    *response->mutable_next_run_time() = ToProtoTimestamp(s.next_run_time);
  }
  *response->mutable_interval() = ToProtoDuration(config_.interval);
  *response->mutable_unresponsive_after() =
      ToProtoDuration(config_.round.unresponsive_after);
  *response->mutable_prune_age() = ToProtoDuration(config_.round.prune_age);
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* HealthMonitorService::RunCheck(
    grpc::CallbackServerContext*, const v1::RunCheckRequest*,
    v1::CheckRound* response) {
  auto* reactor = new RunCheckReactor(response);
  std::shared_ptr<RunCheckReactor::State> state = reactor->state();
  rounds_.Run(/*manual=*/true, [state](const RoundResult& result) {
    RunCheckReactor::Complete(*state, result);
  });
  return reactor;
}

}  // namespace datamgmt::health
