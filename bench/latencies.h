// Latency samples of one benchmark phase, shared by the load generators.
//
//   Latencies l;
//   l.Add(1.25);                       // milliseconds
//   l.Percentile(0.99);                // nearest-rank on the sorted samples
//   l.WriteSamples("/tmp/x-get.txt");  // one sample per line, for plots
//
// Not thread-safe: one phase records from one thread.
#ifndef DATAMGMT_BENCH_LATENCIES_H_
#define DATAMGMT_BENCH_LATENCIES_H_

#include <cstddef>
#include <string>
#include <vector>

namespace datamgmt::bench {

class Latencies {
 public:
  void Add(double ms) {
    ms_.push_back(ms);
    sorted_ = false;
  }
  void AddError() { ++errors_; }

  size_t count() const { return ms_.size(); }
  int errors() const { return errors_; }

  // The p-quantile (0 <= p <= 1) by nearest rank; 0 with no samples.
  double Percentile(double p);

  // Writes the samples, one per line in milliseconds, to `path`; a no-op for
  // an empty path. Returns false (and says why on stderr) if it cannot.
  bool WriteSamples(const std::string& path) const;

 private:
  std::vector<double> ms_;
  bool sorted_ = true;
  int errors_ = 0;
};

}  // namespace datamgmt::bench

#endif  // DATAMGMT_BENCH_LATENCIES_H_
