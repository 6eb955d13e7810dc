// Load generator for dht-service's DhtService API (a benchmark, not a test).
//
//   dht_bench --targets=127.0.0.1:9000,127.0.0.1:9010 --value_bytes=1024
//             --sequential_ops=500 --concurrent_ops=5000 --concurrency=20
//
// Phases, each bounded by an operation count and --max_seconds:
//   1. sequential PutData on targets[0]: latency p50/p90/p99;
//   2. sequential GetData of those hashes, round-robin over the other
//      targets (a node other than the writer): latency p50/p90/p99;
//   3. concurrent PutData with --concurrency calls in flight: ops/s;
//   4. concurrent GetData with --concurrency calls in flight: ops/s.
// Every value is distinct random bytes; every GetData answer is compared
// byte-for-byte with what was put, and any error or mismatch is counted and
// reported. Prints one line per phase and, with --markdown, table rows.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"

ABSL_FLAG(std::string, targets, "127.0.0.1:9000",
          "Comma-separated DhtService addresses; puts go to the first.");
ABSL_FLAG(int, value_bytes, 1024, "Size of each value.");
ABSL_FLAG(int, sequential_ops, 300, "Operations per sequential phase.");
ABSL_FLAG(int, concurrent_ops, 3000, "Operations per concurrent phase.");
ABSL_FLAG(int, concurrency, 20, "Calls in flight in the concurrent phases.");
ABSL_FLAG(double, max_seconds, 60, "Time bound of each phase.");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(10), "Per-call deadline.");
ABSL_FLAG(std::string, label, "", "Label printed with each result line.");

namespace datamgmt::bench {
namespace {

using dht::v1::DhtService;

struct Latencies {
  std::vector<double> ms;
  int errors = 0;
  double Percentile(double p) {
    if (ms.empty()) return 0;
    std::sort(ms.begin(), ms.end());
    const size_t i =
        std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()));
    return ms[i];
  }
};

std::string RandomValue(std::mt19937_64& gen, int bytes) {
  std::string out(bytes, '\0');
  for (int i = 0; i < bytes; i += 8) {
    const uint64_t r = gen();
    for (int j = 0; j < 8 && i + j < bytes; ++j)
      out[i + j] = char(r >> (8 * j));
  }
  return out;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_rpc_timeout)));
  return ctx;
}

void PrintLatency(const char* phase, Latencies& l) {
  std::printf(
      "%s %s sequential: n=%zu errors=%d p50=%.3fms p90=%.3fms p99=%.3fms\n",
      absl::GetFlag(FLAGS_label).c_str(), phase, l.ms.size(), l.errors,
      l.Percentile(0.50), l.Percentile(0.90), l.Percentile(0.99));
}

// Runs `ops` asynchronous calls with `concurrency` in flight; `start(i,
// done)` starts call i and must call done(ok) once. Returns ops/s.
template <typename Start>
double RunConcurrent(const char* phase, int ops, int concurrency, Start start) {
  absl::Mutex mu;
  int next = 0, finished = 0, errors = 0, in_flight = 0;
  const absl::Time begin = absl::Now();
  const absl::Time stop_at =
      begin + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::function<void()> launch;
  std::function<void(bool)> done = [&](bool ok) {
    bool more = false;
    {
      absl::MutexLock lock(&mu);
      ++finished;
      --in_flight;
      if (!ok) ++errors;
      more = next < ops && absl::Now() < stop_at;
      if (more) {
        ++next;
        ++in_flight;
      }
    }
    if (more) launch();
  };
  std::atomic<int> issued{0};
  launch = [&] { start(issued.fetch_add(1), done); };
  {
    absl::MutexLock lock(&mu);
    const int first = std::min(ops, concurrency);
    next = first;
    in_flight = first;
  }
  for (int i = 0; i < std::min(ops, concurrency); ++i) launch();
  absl::MutexLock lock(&mu);
  mu.Await(absl::Condition(
      +[](int* n) { return *n == 0; }, &in_flight));
  const double secs = absl::ToDoubleSeconds(absl::Now() - begin);
  const double rate = finished / secs;
  std::printf("%s %s concurrent(%d): n=%d errors=%d %.0f ops/s\n",
              absl::GetFlag(FLAGS_label).c_str(), phase, concurrency, finished,
              errors, rate);
  return rate;
}

int Main() {
  const std::vector<std::string> targets =
      absl::StrSplit(absl::GetFlag(FLAGS_targets), ',', absl::SkipEmpty());
  if (targets.empty()) {
    std::fprintf(stderr, "--targets is empty\n");
    return 2;
  }
  std::vector<std::unique_ptr<DhtService::Stub>> stubs;
  for (const std::string& t : targets) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(16 << 20);
    stubs.push_back(DhtService::NewStub(grpc::CreateCustomChannel(
        t, grpc::InsecureChannelCredentials(), args)));
  }
  auto reader = [&](int i) -> DhtService::Stub& {
    return stubs.size() == 1 ? *stubs[0] : *stubs[1 + i % (stubs.size() - 1)];
  };
  const int bytes = absl::GetFlag(FLAGS_value_bytes);
  const int seq_ops = absl::GetFlag(FLAGS_sequential_ops);
  const int conc_ops = absl::GetFlag(FLAGS_concurrent_ops);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Duration bound = absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::mt19937_64 gen(12345);

  // 1. Sequential puts.
  std::vector<std::string> values, hashes;
  Latencies put_lat;
  for (absl::Time end = absl::Now() + bound;
       static_cast<int>(values.size()) < seq_ops && absl::Now() < end;) {
    dht::v1::PutDataRequest req;
    req.set_data(RandomValue(gen, bytes));
    dht::v1::PutDataResponse resp;
    auto ctx = Context();
    const absl::Time t0 = absl::Now();
    grpc::Status s = stubs[0]->PutData(ctx.get(), req, &resp);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    if (!s.ok()) {
      ++put_lat.errors;
      continue;
    }
    put_lat.ms.push_back(ms);
    values.push_back(req.data());
    hashes.push_back(resp.hash());
  }
  PrintLatency("put", put_lat);

  // 2. Sequential gets on the other nodes.
  Latencies get_lat;
  const absl::Time get_end = absl::Now() + bound;
  for (size_t i = 0; i < hashes.size() && absl::Now() < get_end; ++i) {
    dht::v1::GetDataRequest req;
    req.set_hash(hashes[i]);
    dht::v1::GetDataResponse resp;
    auto ctx = Context();
    const absl::Time t0 = absl::Now();
    grpc::Status s = reader(i).GetData(ctx.get(), req, &resp);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    if (!s.ok() || resp.data() != values[i]) {
      ++get_lat.errors;
      continue;
    }
    get_lat.ms.push_back(ms);
  }
  PrintLatency("get", get_lat);

  // 3. Concurrent puts. Values are made up front so generation is not timed.
  std::vector<std::string> conc_values;
  for (int i = 0; i < conc_ops; ++i)
    conc_values.push_back(RandomValue(gen, bytes));
  struct PutCall {
    std::unique_ptr<grpc::ClientContext> ctx = Context();
    dht::v1::PutDataRequest req;
    dht::v1::PutDataResponse resp;
  };
  RunConcurrent("put", conc_ops, concurrency,
                [&](int i, std::function<void(bool)>& done) {
                  auto call = std::make_shared<PutCall>();
                  call->req.set_data(conc_values[i % conc_values.size()]);
                  stubs[0]->async()->PutData(
                      call->ctx.get(), &call->req, &call->resp,
                      [call, &done](grpc::Status s) { done(s.ok()); });
                });

  // 4. Concurrent gets of the values from phase 1, on the other nodes.
  if (!hashes.empty()) {
    struct GetCall {
      std::unique_ptr<grpc::ClientContext> ctx = Context();
      dht::v1::GetDataRequest req;
      dht::v1::GetDataResponse resp;
    };
    RunConcurrent("get", conc_ops, concurrency,
                  [&](int i, std::function<void(bool)>& done) {
                    auto call = std::make_shared<GetCall>();
                    const size_t k = i % hashes.size();
                    call->req.set_hash(hashes[k]);
                    reader(i).async()->GetData(
                        call->ctx.get(), &call->req, &call->resp,
                        [call, k, &values, &done](grpc::Status s) {
                          done(s.ok() && call->resp.data() == values[k]);
                        });
                  });
  }
  return 0;
}

}  // namespace
}  // namespace datamgmt::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return datamgmt::bench::Main();
}
