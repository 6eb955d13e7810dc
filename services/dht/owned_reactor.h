// A base for server reactors whose work completes asynchronously (a lookup,
// a peer-manager call) and may race with the call's cancellation.
//
// The reactor finishes exactly once: with the first of Claim()+Finish from
// the handler or a completion, and OnCancel (client gone, deadline passed,
// server shutting down), which finishes it with CANCELLED at once so that a
// graceful shutdown never waits for a lookup. A completion that may run
// after the reactor finished holds a reference (Ref/Unref): the reactor is
// deleted when gRPC is done with it (OnDone) and every reference is gone.
//
//   class GetReactor : public OwnedReactor<grpc::ServerUnaryReactor> {
//     void Start() {
//       Ref();
//       ops.Get(key, [this](auto r) {
//         FinishWith(r.status(), [&] { response->set_data(*r); });
//         Unref();
//       });
//     }
//   };
//
// Thread-safe.
#ifndef DATAMGMT_SERVICES_DHT_OWNED_REACTOR_H_
#define DATAMGMT_SERVICES_DHT_OWNED_REACTOR_H_

#include <atomic>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/status/grpc_status.h"

namespace datamgmt::dht {

template <typename Base>
class OwnedReactor : public Base {
 public:
  // Keeps the reactor alive for one asynchronous completion.
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops a reference; the last one deletes the reactor.
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // True if the call may still be finished by the caller, who then must
  // call Base::Finish (or StartWriteAndFinish) exactly once. False once it
  // finished or was cancelled.
  bool Claim() {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    finished_ = true;
    return true;
  }
  bool finished() const {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

  // Claims the call and finishes it with `status`, running `fill` first
  // when it is OK. Does nothing if the call already ended.
  void FinishWith(
      const absl::Status& status, absl::FunctionRef<void()> fill = [] {}) {
    if (!Claim()) return;
    if (status.ok()) fill();
    this->Finish(ToGrpcStatus(status));
  }

  // Runs `start` (which starts a read or write) under the reactor's lock
  // unless the call has finished, so that a concurrent cancellation cannot
  // finish the call in between. `start` must not finish the call. Returns
  // whether it ran.
  bool RunIfActive(absl::FunctionRef<void()> start) {
    absl::MutexLock lock(&mu_);
    if (finished_) return false;
    start();
    return true;
  }

  void OnCancel() override {
    FinishWith(absl::CancelledError("call cancelled"));
  }
  void OnDone() override { Unref(); }

 protected:
  OwnedReactor() = default;
  ~OwnedReactor() override = default;

 private:
  std::atomic<int> refs_{1};  // gRPC's, dropped in OnDone
  mutable absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_OWNED_REACTOR_H_
