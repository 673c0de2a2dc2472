#include "config/duration.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(ParseDuration("250ms"), 250ms);
  EXPECT_EQ(ParseDuration("15s"), 15s);
  EXPECT_EQ(ParseDuration("2m"), 2min);
  EXPECT_EQ(ParseDuration("1h"), 1h);
  EXPECT_EQ(ParseDuration("1500"), 1500ms);  // bare integers are milliseconds
  EXPECT_EQ(ParseDuration("0s"), 0ms);
}

TEST(DurationTest, RejectsMalformedText) {
  for (const char* text : {"", "s", "5x", "1.5s", "-1s", "1m30s", " 5s", "5 s", "5S", "ms"}) {
    EXPECT_EQ(ParseDuration(text), std::nullopt) << text;
  }
}

TEST(DurationTest, RejectsOverflow) {
  EXPECT_EQ(ParseDuration("9223372036854775807h"), std::nullopt);
  EXPECT_EQ(ParseDuration("99999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace sluice
