#include "common/flags/env_flags.h"

#include <map>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "gtest/gtest.h"

ABSL_FLAG(int, test_port, 8000, "a port");
ABSL_FLAG(std::string, test_peers, "", "peers");

namespace datamgmt {
namespace {

TEST(EnvFlagsTest, EnvironmentFillsFlagsAndCommandLineWins) {
  std::map<std::string, std::string> env = {{"TEST_PORT", "9100"},
                                            {"TEST_PEERS", "a:1,b:2"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  char prog[] = "prog";
  char port_arg[] = "--test_port=9200";
  char* argv[] = {prog, port_arg};
  std::vector<std::string> args = WithEnvironmentFlags(
      2, argv, {{"test_port", "TEST_PORT"}, {"test_peers", "TEST_PEERS"}},
      getenv);
  EXPECT_EQ(args, (std::vector<std::string>{"prog", "--test_port=9100",
                                            "--test_peers=a:1,b:2",
                                            "--test_port=9200"}));
  std::vector<char*> raw = ArgvOf(args);
  absl::ParseCommandLine(static_cast<int>(raw.size()), raw.data());
  EXPECT_EQ(absl::GetFlag(FLAGS_test_port), 9200) << "command line wins";
  EXPECT_EQ(absl::GetFlag(FLAGS_test_peers), "a:1,b:2") << "from environment";
}

TEST(EnvFlagsTest, UnsetAndEmptyVariablesAreIgnored) {
  auto getenv = [](const char* name) -> const char* {
    return std::string(name) == "EMPTY" ? "" : nullptr;
  };
  char prog[] = "prog";
  char* argv[] = {prog};
  EXPECT_EQ(
      WithEnvironmentFlags(1, argv, {{"a", "UNSET"}, {"b", "EMPTY"}}, getenv),
      (std::vector<std::string>{"prog"}));
}

}  // namespace
}  // namespace datamgmt
