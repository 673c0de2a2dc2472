// SqliteStore HTTP pull queues: exactly-once enqueue, per-group order, visibility timeouts,
// ack/nack, stale ack ids, durability and concurrent use.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "store/sqlite/sqlite_store.h"
#include "unit/store/temp_dir.h"

namespace sluice {
namespace {

constexpr int64_t kVisibilityMs = 30000;

QueuedMessage Msg(std::string key, std::string group, Position position) {
  return QueuedMessage{key, std::move(group), position, "{\"key\":\"" + key + "\"}"};
}

class SqliteQueueTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(store.has_value()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void Enqueue(std::vector<QueuedMessage> messages, std::string_view queue = "q") {
    ASSERT_TRUE(store_->Enqueue(queue, messages).ok());
  }
  std::vector<ReceivedMessage> Receive(size_t max, int64_t now_ms = 1000,
                                       int64_t visibility_ms = kVisibilityMs,
                                       std::string_view queue = "q") {
    Result<std::vector<ReceivedMessage>> got = store_->Receive(queue, max, visibility_ms, now_ms);
    EXPECT_TRUE(got.has_value()) << got.status().ToString();
    return got ? *got : std::vector<ReceivedMessage>{};
  }
  void Ack(const std::vector<std::string>& ids, std::string_view queue = "q") {
    ASSERT_TRUE(store_->Ack(queue, ids).ok());
  }
  int64_t Depth(std::string_view queue = "q") {
    Result<int64_t> depth = store_->QueueDepth(queue);
    EXPECT_TRUE(depth.has_value());
    return depth ? *depth : -1;
  }
  static std::vector<std::string> Bodies(const std::vector<ReceivedMessage>& got) {
    std::vector<std::string> bodies;
    for (const auto& m : got) bodies.push_back(m.body);
    return bodies;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteQueueTest, ReceiveHandsOutEnqueuedMessagesWithAckIds) {
  Enqueue({Msg("k1", "g1", {10, 0}), Msg("k2", "g2", {10, 1})});
  EXPECT_EQ(Depth(), 2);
  std::vector<ReceivedMessage> got = Receive(10);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, R"({"key":"k1"})");
  EXPECT_EQ(got[0].deliver_count, 1);
  EXPECT_NE(got[0].ack_id, got[1].ack_id);
  EXPECT_GT(got[0].ack_id.size(), 20u);  // row id plus 32 random hex digits
  Ack({got[0].ack_id, got[1].ack_id});
  EXPECT_EQ(Depth(), 0);
  EXPECT_TRUE(Receive(10, 999999999).empty());
}

TEST_F(SqliteQueueTest, TheSameIdempotencyKeyIsEnqueuedOnce) {
  Enqueue({Msg("k1", "g", {1, 0}), Msg("k1", "g", {1, 0})});
  Enqueue({Msg("k1", "g", {1, 0})});
  EXPECT_EQ(Depth(), 1);
  std::vector<ReceivedMessage> got = Receive(10);
  ASSERT_EQ(got.size(), 1u);
  Ack({got[0].ack_id});
  // A replay after the ack must not bring the message back.
  Enqueue({Msg("k1", "g", {1, 0})});
  EXPECT_EQ(Depth(), 0);
  EXPECT_TRUE(Receive(10, 999999999).empty());
}

TEST_F(SqliteQueueTest, KeysAreUniquePerQueueNotAcrossQueues) {
  Enqueue({Msg("k1", "g", {1, 0})}, "a");
  Enqueue({Msg("k1", "g", {1, 0})}, "b");
  EXPECT_EQ(Depth("a"), 1);
  EXPECT_EQ(Depth("b"), 1);
  EXPECT_EQ(Receive(10, 1000, kVisibilityMs, "b").size(), 1u);
  EXPECT_EQ(Receive(10, 1000, kVisibilityMs, "a").size(), 1u);
}

TEST_F(SqliteQueueTest, OnlyOneMessagePerGroupIsInFlightOldestFirst) {
  Enqueue({Msg("a1", "A", {10, 0}), Msg("a2", "A", {20, 0}), Msg("b1", "B", {15, 0}),
           Msg("a3", "A", {30, 0})});
  std::vector<ReceivedMessage> first = Receive(10);
  EXPECT_EQ(Bodies(first), (std::vector<std::string>{R"({"key":"a1"})", R"({"key":"b1"})"}));
  EXPECT_TRUE(Receive(10).empty());  // both groups blocked by their in-flight heads

  Ack({first[0].ack_id});
  std::vector<ReceivedMessage> second = Receive(10);
  EXPECT_EQ(Bodies(second), (std::vector<std::string>{R"({"key":"a2"})"}));
  Ack({second[0].ack_id, first[1].ack_id});
  EXPECT_EQ(Bodies(Receive(10)), (std::vector<std::string>{R"({"key":"a3"})"}));
}

TEST_F(SqliteQueueTest, ReceiveOrdersGroupHeadsByPositionAndRespectsMax) {
  Enqueue({Msg("c", "C", {30, 0}), Msg("a", "A", {10, 5}), Msg("b", "B", {10, 7})});
  EXPECT_EQ(Bodies(Receive(2)), (std::vector<std::string>{R"({"key":"a"})", R"({"key":"b"})"}));
  EXPECT_EQ(Bodies(Receive(2)), (std::vector<std::string>{R"({"key":"c"})"}));
}

TEST_F(SqliteQueueTest, MessagesWithoutAGroupKeyAreNotSerialised) {
  Enqueue({Msg("k1", "", {1, 0}), Msg("k2", "", {1, 1}), Msg("k3", "", {1, 2})});
  EXPECT_EQ(Receive(10).size(), 3u);
}

TEST_F(SqliteQueueTest, ExpiredMessagesAreRedeliveredWithANewAckId) {
  Enqueue({Msg("k1", "g", {1, 0}), Msg("k2", "g", {2, 0})});
  std::vector<ReceivedMessage> first = Receive(10, /*now_ms=*/1000, /*visibility_ms=*/500);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(Receive(10, 1499, 500).empty());

  std::vector<ReceivedMessage> again = Receive(10, 1500, 500);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].body, first[0].body);
  EXPECT_EQ(again[0].deliver_count, 2);
  EXPECT_NE(again[0].ack_id, first[0].ack_id);

  // The first delivery's ack id is stale: it must not acknowledge the redelivery.
  Ack({first[0].ack_id});
  EXPECT_EQ(Depth(), 2);
  EXPECT_TRUE(Receive(10, 1600, 500).empty());
  Ack({again[0].ack_id});
  EXPECT_EQ(Depth(), 1);
  EXPECT_EQ(Bodies(Receive(10, 1600, 500)), (std::vector<std::string>{R"({"key":"k2"})"}));
}

TEST_F(SqliteQueueTest, NackMakesTheMessageVisibleAgainAtOnce) {
  Enqueue({Msg("k1", "g", {1, 0}), Msg("k2", "g", {2, 0})});
  std::vector<ReceivedMessage> first = Receive(10);
  ASSERT_EQ(first.size(), 1u);
  std::vector<std::string> ids = {first[0].ack_id};
  ASSERT_TRUE(store_->Nack("q", ids).ok());
  std::vector<ReceivedMessage> again = Receive(10);
  ASSERT_EQ(again.size(), 1u);  // still the group's head, so k2 keeps waiting
  EXPECT_EQ(again[0].body, R"({"key":"k1"})");
  EXPECT_EQ(again[0].deliver_count, 2);
  // The nacked delivery's id is dead too.
  Ack({first[0].ack_id});
  EXPECT_EQ(Depth(), 2);
}

TEST_F(SqliteQueueTest, InFlightCountsReceivedMessagesUntilAckNackOrExpiry) {
  Enqueue({Msg("k1", "a", {1, 0}), Msg("k2", "b", {2, 0}), Msg("k3", "c", {3, 0}),
           Msg("k4", "c", {4, 0})});
  auto in_flight = [&](int64_t now_ms) {
    Result<int64_t> n = store_->QueueInFlight("q", now_ms);
    EXPECT_TRUE(n.has_value());
    return n ? *n : -1;
  };
  EXPECT_EQ(in_flight(1000), 0);
  std::vector<ReceivedMessage> got = Receive(10, /*now_ms=*/1000, /*visibility_ms=*/500);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(in_flight(1000), 3);
  Ack({got[0].ack_id});
  std::vector<std::string> nacked = {got[1].ack_id};
  ASSERT_TRUE(store_->Nack("q", nacked).ok());
  EXPECT_EQ(in_flight(1000), 1);
  EXPECT_EQ(in_flight(1500), 0);  // the last one's visibility timeout has passed
}

TEST_F(SqliteQueueTest, MalformedAndForeignAckIdsAreIgnored) {
  Enqueue({Msg("k1", "g", {1, 0})});
  std::vector<ReceivedMessage> got = Receive(10);
  ASSERT_EQ(got.size(), 1u);
  std::string row = got[0].ack_id.substr(0, got[0].ack_id.find('-'));
  Ack({"", "garbage", "12-", row + "-0000", "-" + got[0].ack_id});
  Ack({got[0].ack_id}, "another-queue");
  EXPECT_EQ(Depth(), 1);
}

TEST_F(SqliteQueueTest, QueueStateSurvivesReopen) {
  Enqueue({Msg("k1", "g", {1, 0}), Msg("k2", "g", {2, 0}), Msg("k3", "h", {3, 0})});
  std::vector<ReceivedMessage> got = Receive(1);
  ASSERT_EQ(got.size(), 1u);
  Ack({got[0].ack_id});
  std::vector<ReceivedMessage> in_flight = Receive(1);
  ASSERT_EQ(in_flight.size(), 1u);
  Reopen();
  EXPECT_EQ(Depth(), 2);
  Enqueue({Msg("k1", "g", {1, 0})});  // acked before the restart: still known
  EXPECT_EQ(Depth(), 2);
  // k2 is still in flight after the restart, so only group h moves.
  EXPECT_EQ(Bodies(Receive(10)), (std::vector<std::string>{R"({"key":"k3"})"}));
  Ack({in_flight[0].ack_id});
  EXPECT_EQ(Depth(), 1);
}

TEST_F(SqliteQueueTest, AnAcknowledgedEnqueueSurvivesKill9) {
  store_.reset();
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child enqueues, reports OK through the pipe, then waits to be killed mid-life.
    close(ready[0]);
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.path());
    std::vector<QueuedMessage> batch = {Msg("k1", "g", {1, 0}), Msg("k2", "h", {2, 0})};
    char ok = store && (*store)->Enqueue("q", batch).ok() ? '1' : '0';
    if (write(ready[1], &ok, 1) != 1) _exit(1);
    pause();
    _exit(0);
  }
  close(ready[1]);
  char ok = 0;
  ASSERT_EQ(read(ready[0], &ok, 1), 1);
  close(ready[0]);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_EQ(ok, '1');
  Reopen();
  EXPECT_EQ(Depth(), 2);
  EXPECT_EQ(Receive(10).size(), 2u);
}

TEST_F(SqliteQueueTest, ConcurrentProducersAndConsumersDeliverEachKeyOnce) {
  constexpr int kProducers = 3;
  constexpr int kBatches = 20;
  constexpr int kBatchSize = 25;
  constexpr int kGroups = 7;
  // Producers overlap: each enqueues the same key range, as replays after a restart would.
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<QueuedMessage> batch;
        for (int i = 0; i < kBatchSize; ++i) {
          int n = b * kBatchSize + i;
          batch.push_back(Msg("k" + std::to_string(n), "g" + std::to_string(n % kGroups),
                              Position{static_cast<Lsn>(n + 1), 0}));
        }
        EXPECT_TRUE(store_->Enqueue("q", batch).ok());
      }
    });
  }
  constexpr int kTotal = kBatches * kBatchSize;
  std::mutex seen_mutex;
  std::map<std::string, int> seen;
  std::atomic<int> acked{0};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&] {
      while (acked.load() < kTotal && std::chrono::steady_clock::now() < deadline) {
        Result<std::vector<ReceivedMessage>> got = store_->Receive("q", 10, kVisibilityMs, 1000);
        ASSERT_TRUE(got.has_value());
        std::vector<std::string> ids;
        for (const auto& m : *got) {
          ids.push_back(m.ack_id);
          std::lock_guard lock(seen_mutex);
          ++seen[m.body];
        }
        ASSERT_TRUE(store_->Ack("q", ids).ok());
        acked += static_cast<int>(ids.size());
        if (ids.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acked.load(), kTotal);
  EXPECT_EQ(seen.size(), static_cast<size_t>(kTotal));
  for (const auto& [body, count] : seen) EXPECT_EQ(count, 1) << body;
  EXPECT_EQ(Depth(), 0);
}

// Throughput, not a pass/fail test. Run with:
//   unit_store --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
TEST_F(SqliteQueueTest, DISABLED_Throughput) {
  constexpr int kBatches = 200;
  constexpr int kBatchSize = 100;
  std::string body(400, 'x');
  auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < kBatches; ++b) {
    std::vector<QueuedMessage> batch;
    for (int i = 0; i < kBatchSize; ++i) {
      int n = b * kBatchSize + i;
      batch.push_back(QueuedMessage{"key" + std::to_string(n), "g" + std::to_string(n % 1000),
                                    Position{static_cast<Lsn>(n + 1), 0}, body});
    }
    ASSERT_TRUE(store_->Enqueue("q", batch).ok());
  }
  double enqueue_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  int received = 0;
  while (received < kBatches * kBatchSize) {
    std::vector<ReceivedMessage> got = Receive(100);
    ASSERT_FALSE(got.empty());
    std::vector<std::string> ids;
    for (auto& m : got) ids.push_back(std::move(m.ack_id));
    Ack(ids);
    received += static_cast<int>(ids.size());
  }
  double receive_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("enqueue: %.0f msg/s (batches of %d); receive+ack: %.0f msg/s (batches of 100)\n",
              kBatches * kBatchSize / enqueue_s, kBatchSize, received / receive_s);
}

}  // namespace
}  // namespace sluice
