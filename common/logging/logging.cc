#include "common/logging/logging.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "spdlog/sinks/stdout_sinks.h"
#include "spdlog/spdlog.h"

namespace datamgmt {
namespace {

void AppendJsonString(absl::string_view s, spdlog::memory_buf_t& out) {
  out.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        out.append(std::string_view("\\\""));
        break;
      case '\\':
        out.append(std::string_view("\\\\"));
        break;
      case '\n':
        out.append(std::string_view("\\n"));
        break;
      case '\r':
        out.append(std::string_view("\\r"));
        break;
      case '\t':
        out.append(std::string_view("\\t"));
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out.append(std::string_view(buf));
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string service) : service_(std::move(service)) {}

  void format(const spdlog::details::log_msg& msg,
              spdlog::memory_buf_t& dest) override {
    const absl::Time t = absl::FromChrono(msg.time);
    const std::string ts =
        absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", t, absl::UTCTimeZone());
    dest.append(std::string_view("{\"ts\":\""));
    dest.append(std::string_view(ts));
    dest.append(std::string_view("\",\"level\":\""));
    const auto level = spdlog::level::to_string_view(msg.level);
    dest.append(std::string_view(level.data(), level.size()));
    dest.append(std::string_view("\",\"service\":"));
    AppendJsonString(service_, dest);
    dest.append(std::string_view(",\"msg\":"));
    AppendJsonString(absl::string_view(msg.payload.data(), msg.payload.size()),
                     dest);
    dest.append(std::string_view("}\n"));
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(service_);
  }

 private:
  std::string service_;
};

}  // namespace

absl::Status ParseLogFormat(absl::string_view text, LogFormat* out) {
  if (text == "text") {
    *out = LogFormat::kText;
  } else if (text == "json") {
    *out = LogFormat::kJson;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "log format must be \"text\" or \"json\", got \"", text, "\""));
  }
  return absl::OkStatus();
}

absl::Status InitLogging(absl::string_view service, absl::string_view format,
                         absl::string_view level) {
  LoggingOptions options{.service = std::string(service),
                         .level = std::string(level)};
  if (absl::Status s = ParseLogFormat(format, &options.format); !s.ok()) {
    return s;
  }
  return InitLogging(options);
}

std::unique_ptr<spdlog::formatter> MakeJsonFormatter(std::string service) {
  return std::make_unique<JsonFormatter>(std::move(service));
}

absl::Status InitLogging(const LoggingOptions& options) {
  if (options.service.empty()) {
    return absl::InvalidArgumentError("logging needs a service name");
  }
  const spdlog::level::level_enum level =
      spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown log level \"", options.level, "\""));
  }
  auto logger = spdlog::stderr_logger_mt(options.service);
  if (options.format == LogFormat::kJson) {
    logger->set_formatter(MakeJsonFormatter(options.service));
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ [%n] %v",
                        spdlog::pattern_time_type::utc);
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
  return absl::OkStatus();
}

}  // namespace datamgmt
