#include "common/backoff.h"

#include <gtest/gtest.h>

#include <set>

namespace sluice {
namespace {

using std::chrono::milliseconds;

TEST(BackoffTest, WithoutJitterTheDelayDoublesFromInitialUpToMax) {
  std::mt19937_64 rng(1);
  const milliseconds initial(100), max(1000);
  EXPECT_EQ(BackoffDelay(1, initial, max, 0.0, rng), milliseconds(100));
  EXPECT_EQ(BackoffDelay(2, initial, max, 0.0, rng), milliseconds(200));
  EXPECT_EQ(BackoffDelay(3, initial, max, 0.0, rng), milliseconds(400));
  EXPECT_EQ(BackoffDelay(4, initial, max, 0.0, rng), milliseconds(800));
  EXPECT_EQ(BackoffDelay(5, initial, max, 0.0, rng), milliseconds(1000));
  EXPECT_EQ(BackoffDelay(6, initial, max, 0.0, rng), milliseconds(1000));
}

TEST(BackoffTest, JitterOnlyShortensTheDelayWithinTheFraction) {
  std::mt19937_64 rng(7);
  const milliseconds initial(1000), max(60000);
  for (int attempt = 1; attempt <= 10; ++attempt) {
    const int64_t ceiling = std::min<int64_t>(1000LL << (attempt - 1), 60000);
    for (int i = 0; i < 200; ++i) {
      const auto d = BackoffDelay(attempt, initial, max, 0.25, rng).count();
      EXPECT_LE(d, ceiling) << "attempt " << attempt;
      EXPECT_GE(d, ceiling * 3 / 4) << "attempt " << attempt;
    }
  }
}

TEST(BackoffTest, JitterSpreadsDelays) {
  std::mt19937_64 rng(3);
  std::set<int64_t> seen;
  for (int i = 0; i < 100; ++i) {
    seen.insert(BackoffDelay(3, milliseconds(1000), milliseconds(60000), 0.5, rng).count());
  }
  EXPECT_GT(seen.size(), 50u);
}

TEST(BackoffTest, FullJitterIsNeverZeroNorAboveMax) {
  std::mt19937_64 rng(11);
  for (int attempt = 1; attempt <= 40; ++attempt) {
    for (int i = 0; i < 100; ++i) {
      const auto d = BackoffDelay(attempt, milliseconds(1), milliseconds(5000), 1.0, rng);
      EXPECT_GE(d, milliseconds(1));
      EXPECT_LE(d, milliseconds(5000));
    }
  }
}

TEST(BackoffTest, HugeAttemptNumbersDoNotOverflow) {
  std::mt19937_64 rng(5);
  const milliseconds max(60000);
  EXPECT_EQ(BackoffDelay(1000, milliseconds(1000), max, 0.0, rng), max);
  EXPECT_EQ(BackoffDelay(INT32_MAX, milliseconds(1000), max, 0.0, rng), max);
  // A cap near the top of the range must not overflow while doubling either.
  const milliseconds huge(INT64_MAX / 2 + 1);
  EXPECT_EQ(BackoffDelay(1000, milliseconds(3), huge, 0.0, rng), huge);
}

TEST(BackoffTest, OutOfRangeArgumentsAreClamped) {
  std::mt19937_64 rng(9);
  EXPECT_EQ(BackoffDelay(0, milliseconds(100), milliseconds(1000), 0.0, rng), milliseconds(100));
  EXPECT_EQ(BackoffDelay(-5, milliseconds(100), milliseconds(1000), 0.0, rng), milliseconds(100));
  EXPECT_EQ(BackoffDelay(1, milliseconds(0), milliseconds(1000), 0.0, rng), milliseconds(1));
  EXPECT_EQ(BackoffDelay(3, milliseconds(500), milliseconds(10), 0.0, rng), milliseconds(500));
  EXPECT_EQ(BackoffDelay(1, milliseconds(100), milliseconds(1000), -1.0, rng), milliseconds(100));
  const auto d = BackoffDelay(1, milliseconds(100), milliseconds(1000), 7.0, rng);
  EXPECT_GE(d, milliseconds(1));
  EXPECT_LE(d, milliseconds(100));
}

}  // namespace
}  // namespace sluice
