// Runs every cases/*.yaml through LoadConfigFile and compares the errors with NAME.errors
// (see cases/README.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "unit/config/test_destinations.h"

namespace sluice {
namespace {

const std::string kCasesDir = SLUICE_SOURCE_DIR "/tests/unit/config/cases";
constexpr const char* kPassword = "s3cret-value";

std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(kCasesDir)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string ReadOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The error lines with the cases directory removed from paths.
std::string RelativeErrors(const Status& status) {
  std::string text = status.message();
  const std::string prefix = kCasesDir + "/";
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at)) {
    text.erase(at, prefix.size());
  }
  return text.empty() || text.back() == '\n' ? text : text + "\n";
}

class ConfigCaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    setenv("SLUICE_TEST_PASSWORD", kPassword, 1);
    setenv("SLUICE_TEST_PORT", "6543", 1);
    unsetenv("SLUICE_TEST_UNSET");
  }
};

TEST_P(ConfigCaseTest, ProducesExpectedErrors) {
  const std::string base = kCasesDir + "/" + GetParam();
  Result<Config> config = LoadConfigFile(base + ".yaml", testing::ValidateTestDestination);
  std::string expected = ReadOrEmpty(base + ".errors");
  if (expected.empty()) {
    EXPECT_TRUE(config.has_value()) << RelativeErrors(config.error());
    return;
  }
  ASSERT_FALSE(config.has_value()) << "expected errors:\n" << expected;
  std::string actual = RelativeErrors(config.error());
  EXPECT_EQ(actual, expected) << "actual errors:\n" << actual;
  EXPECT_EQ(actual.find(kPassword), std::string::npos) << "an error shows a secret";
}

INSTANTIATE_TEST_SUITE_P(ConfigCases, ConfigCaseTest, ::testing::ValuesIn(CaseNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluice
