#include "bench/latencies.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace datamgmt::bench {

double Latencies::Percentile(double p) {
  if (ms_.empty()) return 0;
  if (!sorted_) {
    std::sort(ms_.begin(), ms_.end());
    sorted_ = true;
  }
  const double rank = std::clamp(p, 0.0, 1.0) * static_cast<double>(ms_.size());
  const size_t i = std::min(ms_.size() - 1, static_cast<size_t>(rank));
  return ms_[i];
}

bool Latencies::WriteSamples(const std::string& path) const {
  if (path.empty()) return true;
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return false;
  }
  for (double ms : ms_) std::fprintf(f, "%.4f\n", ms);
  return std::fclose(f) == 0;
}

}  // namespace datamgmt::bench
