// Process-wide logging setup for the services (spdlog), with plain text for
// people and JSON lines for Kubernetes log collectors.
//
//   absl::Status s = InitLogging({.service = "dht-service",
//                                 .format = LogFormat::kJson,
//                                 .level = "info"});
//   spdlog::info("listening on {}", address);
//
// A JSON line looks like:
//   {"ts":"2026-11-24T14:30:00.123456Z","level":"info",
//    "service":"dht-service","msg":"listening on 0.0.0.0:8000"}
// Call once in main before starting threads; logging itself is thread-safe.
#ifndef DATAMGMT_COMMON_LOGGING_LOGGING_H_
#define DATAMGMT_COMMON_LOGGING_LOGGING_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spdlog/formatter.h"

namespace datamgmt {

enum class LogFormat { kText, kJson };

struct LoggingOptions {
  // Process name written in every line. Required.
  std::string service;
  // Default: kText.
  LogFormat format = LogFormat::kText;
  // trace, debug, info, warn, error, critical or off. Default: info.
  std::string level = "info";
};

// Parses "text" or "json". Returns InvalidArgument otherwise.
absl::Status ParseLogFormat(absl::string_view text, LogFormat* out);

// Installs a stderr logger as spdlog's default. Returns InvalidArgument for
// an unknown level or an empty service name.
absl::Status InitLogging(const LoggingOptions& options);

// The same from configuration text, as the processes' flags give it:
// `format` is "text" or "json". Returns InvalidArgument naming the bad value.
absl::Status InitLogging(absl::string_view service, absl::string_view format,
                         absl::string_view level);

// The JSON-lines formatter, exposed for tests.
std::unique_ptr<spdlog::formatter> MakeJsonFormatter(std::string service);

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_LOGGING_LOGGING_H_
