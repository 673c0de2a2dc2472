#include "store/queue_signal.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace sluice {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(QueueSignalTest, WaitTimesOutWithoutANotification) {
  auto start = steady_clock::now();
  EXPECT_FALSE(WaitForQueue("signal-timeout", milliseconds(50)));
  EXPECT_GE(steady_clock::now() - start, milliseconds(50));
}

TEST(QueueSignalTest, NotifyWakesAWaiterEarly) {
  std::promise<void> waiting;
  auto result = std::async(std::launch::async, [&] {
    uint64_t seen = QueueGeneration("signal-wake");
    waiting.set_value();
    auto start = steady_clock::now();
    bool notified = WaitForQueue("signal-wake", seen, milliseconds(10000));
    return std::make_pair(notified, steady_clock::now() - start);
  });
  waiting.get_future().wait();
  NotifyQueue("signal-wake");
  auto [notified, waited] = result.get();
  EXPECT_TRUE(notified);
  EXPECT_LT(waited, milliseconds(5000));
}

TEST(QueueSignalTest, ANotificationBeforeTheWaitIsNotLost) {
  uint64_t seen = QueueGeneration("signal-race");
  NotifyQueue("signal-race");
  auto start = steady_clock::now();
  EXPECT_TRUE(WaitForQueue("signal-race", seen, milliseconds(10000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));
  EXPECT_EQ(QueueGeneration("signal-race"), seen + 1);
}

TEST(QueueSignalTest, OtherQueuesDoNotWakeAWaiter) {
  uint64_t seen = QueueGeneration("signal-mine");
  std::thread other([] {
    for (int i = 0; i < 5; ++i) {
      NotifyQueue("signal-theirs");
      std::this_thread::sleep_for(milliseconds(5));
    }
  });
  EXPECT_FALSE(WaitForQueue("signal-mine", seen, milliseconds(100)));
  other.join();
}

}  // namespace
}  // namespace sluice
