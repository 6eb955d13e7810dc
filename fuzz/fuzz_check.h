// FUZZ_CHECK(condition) << "what": the property checks of the fuzz targets.
// A failed check prints the message and aborts, which libFuzzer reports as a
// crash (and keeps the input); plain asserts would vanish under -DNDEBUG.
#ifndef DATAMGMT_FUZZ_FUZZ_CHECK_H_
#define DATAMGMT_FUZZ_FUZZ_CHECK_H_

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace datamgmt::fuzz {

// Collects the message of a failed check and aborts when destroyed.
class CheckFailure {
 public:
  CheckFailure(const char* file, int line, const char* condition) {
    stream_ << file << ":" << line << ": FUZZ_CHECK failed: " << condition
            << ": ";
  }
  [[noreturn]] ~CheckFailure() {
    std::cerr << stream_.str() << std::endl;
    std::abort();
  }
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

}  // namespace datamgmt::fuzz

#define FUZZ_CHECK(condition)   \
  if (condition) {              \
  } else                        \
    ::datamgmt::fuzz::CheckFailure(__FILE__, __LINE__, #condition).stream()

#endif  // DATAMGMT_FUZZ_FUZZ_CHECK_H_
