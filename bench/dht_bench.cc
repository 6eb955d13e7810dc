// Load generator for dht-service's DhtService API (a benchmark, not a test).
//
//   dht_bench --targets=127.0.0.1:9000,127.0.0.1:9010 --value_bytes=1024
//             --sequential_ops=500 --concurrent_ops=5000 --concurrency=20
//
// --mode=workload (default): phases, each bounded by an operation count and
// --max_seconds:
//   1. sequential PutData on targets[0]: latency p50/p90/p99;
//   2. sequential GetData of those hashes, round-robin over the other
//      targets (a node other than the writer): latency p50/p90/p99;
//   3. concurrent PutData with --concurrency calls in flight: ops/s;
//   4. concurrent GetData with --concurrency calls in flight: ops/s.
// Every value is distinct random bytes; every GetData answer is compared
// byte-for-byte with what was put, and any error or mismatch is counted and
// reported. --save_values writes phase 1's values for a later --mode=check;
// --samples_prefix writes the sequential latencies (PREFIX-put.txt,
// PREFIX-get.txt) for plots.
//
// --mode=check --values_file=F: gets every value saved in F, round-robin
// over all targets; prints the share readable byte-for-byte and latency.
//
// --mode=wait_contacts --min_contacts=M: polls GetDhtStats of every target
// every 100 ms until each routing table holds at least M contacts; prints
// the seconds since --since_unix_ms (default: the start of this program).
//
// Besides its human-readable lines, every mode prints "RESULT <key> <value>"
// lines for scripts (bench/compare_opendht.sh). Exits 1 if the mode's
// bound passed before it finished (wait_contacts) or nothing succeeded.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/latencies.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"

ABSL_FLAG(std::string, mode, "workload", "workload, check or wait_contacts.");
ABSL_FLAG(std::string, targets, "127.0.0.1:9000",
          "Comma-separated DhtService addresses; puts go to the first.");
ABSL_FLAG(int, value_bytes, 1024, "Size of each value.");
ABSL_FLAG(int, sequential_ops, 300, "Operations per sequential phase.");
ABSL_FLAG(int, concurrent_ops, 3000, "Operations per concurrent phase.");
ABSL_FLAG(int, concurrency, 20, "Calls in flight in the concurrent phases.");
ABSL_FLAG(double, max_seconds, 60, "Time bound of each phase.");
ABSL_FLAG(absl::Duration, rpc_timeout, absl::Seconds(10), "Per-call deadline.");
ABSL_FLAG(std::string, label, "", "Label printed with each result line.");
ABSL_FLAG(std::string, samples_prefix, "",
          "workload: write sequential latencies to PREFIX-put.txt/-get.txt.");
ABSL_FLAG(std::string, save_values, "",
          "workload: write phase 1's hashes and values to this file.");
ABSL_FLAG(std::string, values_file, "", "check: the file --save_values wrote.");
ABSL_FLAG(int, min_contacts, 8, "wait_contacts: contacts each node needs.");
ABSL_FLAG(int64_t, since_unix_ms, 0,
          "wait_contacts: when the nodes were started (0: now).");

namespace datamgmt::bench {
namespace {

using dht::v1::DhtService;

// A value the workload stored: its hash and bytes.
struct Stored {
  std::string hash;
  std::string value;
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

void Result(const std::string& key, double value) {
  std::printf("RESULT %s %.4f\n", key.c_str(), value);
}

void PrintLatency(const char* phase, Latencies& l) {
  std::printf(
      "%s %s sequential: n=%zu errors=%d p50=%.3fms p90=%.3fms p99=%.3fms\n",
      absl::GetFlag(FLAGS_label).c_str(), phase, l.count(), l.errors(),
      l.Percentile(0.50), l.Percentile(0.90), l.Percentile(0.99));
  const std::string p = phase;
  Result(p + "_seq_n", l.count());
  Result(p + "_seq_errors", l.errors());
  Result(p + "_p50_ms", l.Percentile(0.50));
  Result(p + "_p90_ms", l.Percentile(0.90));
  Result(p + "_p99_ms", l.Percentile(0.99));
}

// Runs `ops` asynchronous calls with `concurrency` in flight; `start(i,
// done)` starts call i and must call done(ok) once. Returns the number of
// calls that finished.
template <typename Start>
int RunConcurrent(const char* phase, int ops, int concurrency, Start start) {
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
  const double rate = (finished - errors) / secs;
  std::printf("%s %s concurrent(%d): n=%d errors=%d %.0f ops/s\n",
              absl::GetFlag(FLAGS_label).c_str(), phase, concurrency, finished,
              errors, rate);
  const std::string p = phase;
  Result(p + "_conc_n", finished);
  Result(p + "_conc_errors", errors);
  Result(p + "_ops_s", rate);
  return finished;
}

std::vector<std::unique_ptr<DhtService::Stub>> Stubs(
    const std::vector<std::string>& targets) {
  std::vector<std::unique_ptr<DhtService::Stub>> stubs;
  for (const std::string& t : targets) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(16 << 20);
    stubs.push_back(DhtService::NewStub(grpc::CreateCustomChannel(
        t, grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

bool SaveValues(const std::string& path, const std::vector<Stored>& stored) {
  std::ofstream out(path, std::ios::trunc);
  for (const Stored& s : stored)
    out << s.hash << ' ' << absl::BytesToHexString(s.value) << '\n';
  out.close();
  if (!out) std::fprintf(stderr, "cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

int Workload(std::vector<std::unique_ptr<DhtService::Stub>>& stubs) {
  auto reader = [&](int i) -> DhtService::Stub& {
    return stubs.size() == 1 ? *stubs[0] : *stubs[1 + i % (stubs.size() - 1)];
  };
  const int bytes = absl::GetFlag(FLAGS_value_bytes);
  const int seq_ops = absl::GetFlag(FLAGS_sequential_ops);
  const int conc_ops = absl::GetFlag(FLAGS_concurrent_ops);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const absl::Duration bound = absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  const std::string prefix = absl::GetFlag(FLAGS_samples_prefix);
  std::mt19937_64 gen(12345);
  int total_ops = 0;

  // 1. Sequential puts.
  std::vector<Stored> stored;
  Latencies put_lat;
  for (absl::Time end = absl::Now() + bound;
       static_cast<int>(stored.size()) < seq_ops && absl::Now() < end;) {
    dht::v1::PutDataRequest req;
    req.set_data(RandomValue(gen, bytes));
    dht::v1::PutDataResponse resp;
    auto ctx = Context();
    const absl::Time t0 = absl::Now();
    grpc::Status s = stubs[0]->PutData(ctx.get(), req, &resp);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    ++total_ops;
    if (!s.ok()) {
      put_lat.AddError();
      continue;
    }
    put_lat.Add(ms);
    stored.push_back({resp.hash(), std::move(*req.mutable_data())});
  }
  PrintLatency("put", put_lat);
  if (!prefix.empty()) put_lat.WriteSamples(prefix + "-put.txt");
  const std::string save = absl::GetFlag(FLAGS_save_values);
  if (!save.empty() && !SaveValues(save, stored)) return 1;

  // 2. Sequential gets on the other nodes.
  Latencies get_lat;
  const absl::Time get_end = absl::Now() + bound;
  for (size_t i = 0; i < stored.size() && absl::Now() < get_end; ++i) {
    dht::v1::GetDataRequest req;
    req.set_hash(stored[i].hash);
    dht::v1::GetDataResponse resp;
    auto ctx = Context();
    const absl::Time t0 = absl::Now();
    grpc::Status s = reader(i).GetData(ctx.get(), req, &resp);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    ++total_ops;
    if (!s.ok() || resp.data() != stored[i].value) {
      get_lat.AddError();
      continue;
    }
    get_lat.Add(ms);
  }
  PrintLatency("get", get_lat);
  if (!prefix.empty()) get_lat.WriteSamples(prefix + "-get.txt");

  // 3. Concurrent puts. Values are made up front so generation is not timed.
  std::vector<std::string> conc_values;
  for (int i = 0; i < conc_ops; ++i)
    conc_values.push_back(RandomValue(gen, bytes));
  struct PutCall {
    std::unique_ptr<grpc::ClientContext> ctx = Context();
    dht::v1::PutDataRequest req;
    dht::v1::PutDataResponse resp;
  };
  total_ops += RunConcurrent(
      "put", conc_ops, concurrency,
      [&](int i, std::function<void(bool)>& done) {
        auto call = std::make_shared<PutCall>();
        call->req.set_data(conc_values[i % conc_values.size()]);
        stubs[0]->async()->PutData(
            call->ctx.get(), &call->req, &call->resp,
            [call, &done](grpc::Status s) { done(s.ok()); });
      });

  // 4. Concurrent gets of the values from phase 1, on the other nodes.
  if (!stored.empty()) {
    struct GetCall {
      std::unique_ptr<grpc::ClientContext> ctx = Context();
      dht::v1::GetDataRequest req;
      dht::v1::GetDataResponse resp;
    };
    total_ops += RunConcurrent(
        "get", conc_ops, concurrency,
        [&](int i, std::function<void(bool)>& done) {
          auto call = std::make_shared<GetCall>();
          const size_t k = i % stored.size();
          call->req.set_hash(stored[k].hash);
          reader(i).async()->GetData(
              call->ctx.get(), &call->req, &call->resp,
              [call, k, &stored, &done](grpc::Status s) {
                done(s.ok() && call->resp.data() == stored[k].value);
              });
        });
  }
  Result("ops_total", total_ops);
  return stored.empty() ? 1 : 0;
}

int Check(std::vector<std::unique_ptr<DhtService::Stub>>& stubs) {
  std::ifstream in(absl::GetFlag(FLAGS_values_file));
  if (!in) {
    std::fprintf(stderr, "cannot read --values_file\n");
    return 2;
  }
  std::vector<Stored> stored;
  for (std::string hash, hex; in >> hash >> hex;)
    stored.push_back({hash, absl::HexStringToBytes(hex)});
  Latencies lat;
  const absl::Time end =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  for (size_t i = 0; i < stored.size() && absl::Now() < end; ++i) {
    dht::v1::GetDataRequest req;
    req.set_hash(stored[i].hash);
    dht::v1::GetDataResponse resp;
    auto ctx = Context();
    const absl::Time t0 = absl::Now();
    grpc::Status s = stubs[i % stubs.size()]->GetData(ctx.get(), req, &resp);
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    if (s.ok() && resp.data() == stored[i].value) {
      lat.Add(ms);
    } else {
      lat.AddError();
    }
  }
  std::printf("%s check: %zu of %zu readable; p50=%.3fms p99=%.3fms\n",
              absl::GetFlag(FLAGS_label).c_str(), lat.count(), stored.size(),
              lat.Percentile(0.5), lat.Percentile(0.99));
  Result("check_total", stored.size());
  Result("check_readable", lat.count());
  Result("check_p50_ms", lat.Percentile(0.5));
  Result("check_p99_ms", lat.Percentile(0.99));
  return lat.count() == 0 ? 1 : 0;
}

int WaitContacts(std::vector<std::unique_ptr<DhtService::Stub>>& stubs) {
  const int64_t since_ms = absl::GetFlag(FLAGS_since_unix_ms);
  const absl::Time since =
      since_ms > 0 ? absl::FromUnixMillis(since_ms) : absl::Now();
  const absl::Time end =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  const uint32_t want = absl::GetFlag(FLAGS_min_contacts);
  std::vector<bool> done(stubs.size(), false);
  size_t remaining = stubs.size();
  uint32_t fewest = 0;
  while (remaining > 0 && absl::Now() < end) {
    fewest = UINT32_MAX;
    for (size_t i = 0; i < stubs.size(); ++i) {
      if (done[i]) continue;
      dht::v1::DhtStats stats;
      auto ctx = Context();
      ctx->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
      if (stubs[i]->GetDhtStats(ctx.get(), {}, &stats).ok() &&
          stats.routing_table_size() >= want) {
        done[i] = true;
        --remaining;
      } else {
        fewest = std::min(fewest, stats.routing_table_size());
      }
    }
    if (remaining > 0) absl::SleepFor(absl::Milliseconds(100));
  }
  const double secs = absl::ToDoubleSeconds(absl::Now() - since);
  if (remaining > 0) {
    std::printf("%s bootstrap: %zu of %zu nodes still below %u contacts "
                "(fewest %u) after %.1f s\n",
                absl::GetFlag(FLAGS_label).c_str(), remaining, stubs.size(),
                want, fewest, secs);
    Result("bootstrap_s", -1);
    return 1;
  }
  std::printf("%s bootstrap: all %zu nodes have >= %u contacts after %.2f s\n",
              absl::GetFlag(FLAGS_label).c_str(), stubs.size(), want, secs);
  Result("bootstrap_s", secs);
  return 0;
}

int Main() {
  const std::vector<std::string> targets =
      absl::StrSplit(absl::GetFlag(FLAGS_targets), ',', absl::SkipEmpty());
  if (targets.empty()) {
    std::fprintf(stderr, "--targets is empty\n");
    return 2;
  }
  std::vector<std::unique_ptr<DhtService::Stub>> stubs = Stubs(targets);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "workload") return Workload(stubs);
  if (mode == "check") return Check(stubs);
  if (mode == "wait_contacts") return WaitContacts(stubs);
  std::fprintf(stderr, "--mode must be workload, check or wait_contacts\n");
  return 2;
}

}  // namespace
}  // namespace datamgmt::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return datamgmt::bench::Main();
}
