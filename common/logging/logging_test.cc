#include "common/logging/logging.h"

#include "gtest/gtest.h"
#include "spdlog/details/log_msg.h"

namespace datamgmt {
namespace {

std::string Format(absl::string_view payload) {
  auto formatter = MakeJsonFormatter("dht-service");
  spdlog::details::log_msg msg(
      "x", spdlog::level::warn,
      spdlog::string_view_t(payload.data(), payload.size()));
  msg.time = absl::ToChronoTime(absl::FromUnixMicros(1705312200500000));
  spdlog::memory_buf_t buf;
  formatter->format(msg, buf);
  return std::string(buf.data(), buf.size());
}

TEST(LoggingTest, JsonLineHasFieldsAndUtcTimestamp) {
  EXPECT_EQ(Format("peer 10.0.0.1:8000 unhealthy"),
            "{\"ts\":\"2024-01-15T09:50:00.500000Z\",\"level\":\"warning\","
            "\"service\":\"dht-service\","
            "\"msg\":\"peer 10.0.0.1:8000 unhealthy\"}\n");
}

TEST(LoggingTest, JsonEscapesQuotesBackslashesAndControlCharacters) {
  const std::string line = Format("say \"hi\"\\\n\t\x01");
  EXPECT_NE(line.find(R"("msg":"say \"hi\"\\\n\t\u0001"})"), std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per record";
}

TEST(LoggingTest, ParsesFormatsAndRejectsUnknown) {
  LogFormat f = LogFormat::kText;
  ASSERT_TRUE(ParseLogFormat("json", &f).ok());
  EXPECT_EQ(f, LogFormat::kJson);
  ASSERT_TRUE(ParseLogFormat("text", &f).ok());
  EXPECT_EQ(f, LogFormat::kText);
  EXPECT_EQ(ParseLogFormat("xml", &f).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LoggingTest, InitFromConfigurationTextNamesTheBadValue) {
  absl::Status s = InitLogging("svc", "xml", "info");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"xml\""), std::string::npos) << s;
  s = InitLogging("svc", "json", "loud");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("\"loud\""), std::string::npos) << s;
  EXPECT_TRUE(InitLogging("svc", "json", "info").ok());
}

TEST(LoggingTest, RejectsUnknownLevelAndMissingService) {
  EXPECT_EQ(InitLogging({.service = "x", .level = "loud"}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(InitLogging({.service = ""}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(InitLogging({.service = "ok-service", .level = "debug"}).ok());
}

}  // namespace
}  // namespace datamgmt
