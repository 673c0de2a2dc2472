#include "pipeline/sink_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "source/postgres/type_registry.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

// An in-memory Sink whose answers the test scripts: `decide` returns the outcome for each
// message. Records every delivered message in order.
class ScriptedSink : public Sink {
 public:
  std::function<Status(const Message&)> decide = [](const Message&) { return Status::Ok(); };
  std::function<Status()> start = [] { return Status::Ok(); };

  Status Start() override { return start(); }
  void Send(const Batch& batch, DeliveryCallback done) override {
    std::vector<Status> outcomes;
    std::lock_guard lock(mu_);
    ++batches_;
    std::set<std::string> failed_groups;
    for (const Message& m : batch) {
      // The Sink contract: a group's later message fails if an earlier one in the batch did.
      Status outcome =
          failed_groups.contains(m.group_key) ? Status::Transient("blocked") : decide(m);
      if (outcome.ok()) {
        delivered_.push_back(m);
      } else {
        failed_groups.insert(m.group_key);
      }
      outcomes.push_back(outcome);
    }
    done(std::move(outcomes));
  }
  Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }

  std::vector<Message> delivered() {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  int batches() {
    std::lock_guard lock(mu_);
    return batches_;
  }

 private:
  std::mutex mu_;
  std::vector<Message> delivered_;
  int batches_ = 0;
};

class SinkRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sluice-runner-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto store = SqliteStore::Open(dir_.string());
    ASSERT_TRUE(store.has_value()) << store.error().message();
    store_ = std::move(*store);
    types_.Set(std::make_shared<pg::TypeRegistry>());
    relation_ = std::make_shared<RelationDef>(
        RelationDef{42, "public", "t", 'd', {{"id", 20, -1, true}, {"v", 25, -1, false}}, {0}});
    other_relation_ = std::make_shared<RelationDef>(
        RelationDef{43, "public", "other", 'd', {{"id", 20, -1, true}}, {0}});
    config_.name = "s";
    config_.database = "db";
    config_.batch_size = 10;
    config_.batch_timeout = 1ms;
    config_.retry.initial_backoff = 20ms;
    config_.retry.max_backoff = 50ms;
  }
  void TearDown() override {
    if (runner_) runner_->Stop(2s);
    runner_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  ScriptedSink* StartRunner() {
    auto sink = std::make_unique<ScriptedSink>();
    ScriptedSink* raw = sink.get();
    if (configure_sink_) configure_sink_(*raw);
    runner_ = std::make_unique<SinkRunner>(config_, std::move(sink),
                                           MessageContext{"s", "s", "db", "db", "db", "localhost"},
                                           store_.get(), &tracker_, &types_);
    Status started = runner_->Start();
    EXPECT_TRUE(started.ok()) << started.message();
    return raw;
  }

  // One transaction per change at LSN 100*(n+1), key = `key`, version = `v`.
  void PushChange(int n, int key, int v, RelationPtr relation = nullptr) {
    auto change = std::make_shared<Change>();
    change->action = Action::kInsert;
    change->relation = relation ? relation : relation_;
    change->new_values = {{ValueKind::kText, std::to_string(key)}};
    if (change->relation->columns.size() > 1) {
      change->new_values.push_back({ValueKind::kText, std::to_string(v)});
    }
    Lsn lsn = static_cast<Lsn>(n + 1) * 100;
    change->position = Position{lsn, 0};
    change->commit_time_us = 1;
    tracker_.BeginTxn(lsn);
    if (!runner_->Accepts(*change)) {
      tracker_.CommitTxn(lsn, lsn + 10);
      return;
    }
    tracker_.AddPending(lsn, 1);
    runner_->Push(change, [] {});
    tracker_.CommitTxn(lsn, lsn + 10);
  }

  bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (condition()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return condition();
  }

  static int Key(const Message& m) { return std::stoi(m.record_pks.at(0)); }

  std::filesystem::path dir_;
  std::unique_ptr<SqliteStore> store_;
  TypeRegistrySource types_;
  AckTracker tracker_;
  RelationPtr relation_, other_relation_;
  SinkConfig config_;
  std::function<void(ScriptedSink&)> configure_sink_;
  std::unique_ptr<SinkRunner> runner_;
};

TEST_F(SinkRunnerTest, DeliversInOrderAndSettlesEveryMessage) {
  ScriptedSink* sink = StartRunner();
  for (int i = 0; i < 100; ++i) PushChange(i, i % 7, i);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 100; }));
  auto delivered = sink->delivered();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(delivered[i].position.commit_lsn, (i + 1) * 100u);
  ASSERT_TRUE(WaitFor([&] { return tracker_.Frontier() == 100 * 100 + 10; }));
  EXPECT_EQ(tracker_.PendingMessages(), 0);
  EXPECT_FALSE(delivered[0].body.empty());
  EXPECT_EQ(delivered[0].idempotency_key, IdempotencyKey(Position{100, 0}));
}

TEST_F(SinkRunnerTest, BatchesUpToTheConfiguredSize) {
  config_.batch_timeout = 200ms;
  ScriptedSink* sink = StartRunner();
  for (int i = 0; i < 50; ++i) PushChange(i, i, 0);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 50; }));
  EXPECT_LE(sink->batches(), 6) << "50 messages at batch_size 10 should take about 5 batches";
}

TEST_F(SinkRunnerTest, SkipsTablesAndActionsItDoesNotWant) {
  config_.source.include_tables = {"public.t"};
  config_.actions = {Action::kUpdate};
  StartRunner();
  auto change = std::make_shared<Change>();
  change->relation = relation_;
  change->position = Position{100, 0};
  change->action = Action::kInsert;
  EXPECT_FALSE(runner_->Accepts(*change));
  change->action = Action::kUpdate;
  EXPECT_TRUE(runner_->Accepts(*change));
  change->relation = other_relation_;
  EXPECT_FALSE(runner_->Accepts(*change));
}

TEST_F(SinkRunnerTest, AFailingMessageBlocksOnlyItsOwnGroupAndIsRetried) {
  std::atomic<int> failures_left{3};
  configure_sink_ = [&](ScriptedSink& sink) {
    sink.decide = [&](const Message& m) {
      if (Key(m) == 1 && failures_left > 0) {
        --failures_left;
        return Status::Transient("HTTP 500 from receiver");
      }
      return Status::Ok();
    };
  };
  ScriptedSink* sink = StartRunner();
  // Key 1 fails first; keys 2 and 3 keep flowing meanwhile.
  PushChange(0, 1, 0);
  PushChange(1, 2, 0);
  PushChange(2, 1, 1);
  PushChange(3, 3, 0);
  PushChange(4, 1, 2);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 5; }));
  std::vector<int> key1_versions;
  for (const Message& m : sink->delivered()) {
    if (Key(m) == 1) key1_versions.push_back(static_cast<int>(m.position.commit_lsn / 100 - 1));
  }
  EXPECT_EQ(key1_versions, (std::vector<int>{0, 2, 4})) << "group order must hold across retries";
  // Everything settled: parked messages count as settled, and are gone after delivery.
  ASSERT_TRUE(WaitFor([&] { return tracker_.Frontier() == 5 * 100 + 10; }));
  // The runner removes a delivered message from the store after the sink reported it.
  ASSERT_TRUE(WaitFor([&] {
    auto parked = store_->ListParked("s", "", 100);
    return parked.has_value() && parked->empty();
  }));
}

TEST_F(SinkRunnerTest, OtherGroupsFlowWhileOneIsFailing) {
  configure_sink_ = [&](ScriptedSink& sink) {
    sink.decide = [&](const Message& m) {
      return Key(m) == 1 ? Status::Transient("down for key 1") : Status::Ok();
    };
  };
  ScriptedSink* sink = StartRunner();
  PushChange(0, 1, 0);
  for (int i = 1; i <= 30; ++i) PushChange(i, 2 + i % 5, i);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 30; }));
  // The slot still advances: the failing message is parked in the store (settled).
  ASSERT_TRUE(WaitFor([&] { return tracker_.Frontier() == 31 * 100 + 10; }));
  auto failing = store_->ListParked("s", "failing", 10);
  ASSERT_TRUE(failing.has_value());
  ASSERT_EQ(failing->size(), 1u);
  EXPECT_GE((*failing)[0].attempts, 1);
  EXPECT_EQ((*failing)[0].last_error, "down for key 1");
  EXPECT_EQ(runner_->Report().status, "failing");
}

TEST_F(SinkRunnerTest, DeadLettersAfterMaxRetryCountAndUnblocksTheGroup) {
  config_.max_retry_count = 2;
  configure_sink_ = [&](ScriptedSink& sink) {
    sink.decide = [&](const Message& m) {
      return m.position.commit_lsn == 100 ? Status::Transient("always fails") : Status::Ok();
    };
  };
  ScriptedSink* sink = StartRunner();
  const int64_t dead_before = runner_->Report().messages_dead_lettered;  // metrics are global
  PushChange(0, 1, 0);                                                   // poison
  PushChange(1, 1, 1);                                                   // same group, behind it
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 1; }));
  EXPECT_EQ(sink->delivered()[0].position.commit_lsn, 200u);
  auto dead = store_->ListParked("s", "dead_letter", 10);
  ASSERT_TRUE(dead.has_value());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].attempts, 3) << "first delivery + 2 retries";
  EXPECT_EQ((*dead)[0].last_error, "always fails");
  ASSERT_TRUE(WaitFor([&] { return runner_->Report().messages_dead_lettered == dead_before + 1; }));
}

TEST_F(SinkRunnerTest, PermanentFailuresAreDeadLetteredAtOnce) {
  configure_sink_ = [&](ScriptedSink& sink) {
    sink.decide = [&](const Message& m) {
      return Key(m) == 9 ? Status::Permanent("message too large") : Status::Ok();
    };
  };
  ScriptedSink* sink = StartRunner();
  PushChange(0, 9, 0);
  PushChange(1, 8, 0);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 1; }));
  ASSERT_TRUE(WaitFor([&] {
    auto dead = store_->ListParked("s", "dead_letter", 10);
    return dead.has_value() && dead->size() == 1;
  }));
  ASSERT_TRUE(WaitFor([&] { return tracker_.Frontier() == 2 * 100 + 10; }));
}

TEST_F(SinkRunnerTest, ATargetThatIsDownGetsEverythingOnceItRecovers) {
  std::atomic<bool> down{true};
  configure_sink_ = [&](ScriptedSink& sink) {
    sink.decide = [&](const Message&) {
      return down ? Status::Transient("connection refused") : Status::Ok();
    };
  };
  ScriptedSink* sink = StartRunner();
  for (int i = 0; i < 200; ++i) PushChange(i, i % 13, i);
  // While down, messages are parked and settled: the slot is not pinned.
  ASSERT_TRUE(WaitFor([&] { return tracker_.Frontier() == 200 * 100 + 10; }));
  EXPECT_TRUE(sink->delivered().empty());
  down = false;
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 200; }, 20s));
  std::map<int, Lsn> last_per_key;
  for (const Message& m : sink->delivered()) {
    int key = Key(m);
    EXPECT_GT(m.position.commit_lsn, last_per_key[key]) << "key " << key << " out of order";
    last_per_key[key] = m.position.commit_lsn;
  }
  ASSERT_TRUE(WaitFor([&] { return runner_->Report().status == "active"; }));
}

TEST_F(SinkRunnerTest, ASinkThatCannotStartParksMessagesAndStartsLater) {
  std::atomic<int> start_failures{2};
  configure_sink_ = [&](ScriptedSink& sink) {
    sink.start = [&] {
      if (start_failures > 0) {
        --start_failures;
        return Status::Fatal("authentication failed");
      }
      return Status::Ok();
    };
  };
  ScriptedSink* sink = StartRunner();
  for (int i = 0; i < 5; ++i) PushChange(i, i, 0);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 5; }, 10s));
}

TEST_F(SinkRunnerTest, RestartSkipsWhatWasAlreadyDelivered) {
  StartRunner();
  for (int i = 0; i < 20; ++i) PushChange(i, i, 0);
  ASSERT_TRUE(WaitFor([&] { return tracker_.Frontier() == 20 * 100 + 10; }));
  runner_->Stop(2s);
  runner_.reset();
  ScriptedSink* sink = StartRunner();
  auto replayed = std::make_shared<Change>();
  replayed->action = Action::kInsert;
  replayed->relation = relation_;
  replayed->position = Position{1000, 0};
  EXPECT_FALSE(runner_->Accepts(*replayed)) << "delivered before the restart";
  replayed->position = Position{2100, 0};
  EXPECT_TRUE(runner_->Accepts(*replayed));
  EXPECT_TRUE(sink->delivered().empty());
}

TEST_F(SinkRunnerTest, AReplayAfterAReconnectSkipsWhatIsAlreadySettled) {
  ScriptedSink* sink = StartRunner();
  for (int i = 0; i < 10; ++i) PushChange(i, i, 0);
  ASSERT_TRUE(WaitFor([&] { return runner_->cursor() == Position{1000, 0}; }));
  runner_->PrepareForReplay();
  auto replayed = std::make_shared<Change>();
  replayed->action = Action::kInsert;
  replayed->relation = relation_;
  replayed->position = Position{500, 0};
  EXPECT_FALSE(runner_->Accepts(*replayed));
  EXPECT_EQ(sink->delivered().size(), 10u);
}

// Regression: Accepts once read the runner's live cursor as two separate atomics; a torn read
// while one big transaction was still being pushed skipped changes of that transaction, and
// the slot then moved past them (found by the Kafka SIGKILL test as lost changes).
TEST_F(SinkRunnerTest, ABigTransactionIsDeliveredWholeWhileTheRunnerWorksThroughIt) {
  config_.batch_size = 7;
  ScriptedSink* sink = StartRunner();
  constexpr int kRows = 20000;
  constexpr Lsn kLsn = 5000;
  tracker_.BeginTxn(kLsn);
  int accepted = 0;
  for (int i = 0; i < kRows; ++i) {
    auto change = std::make_shared<Change>();
    change->action = Action::kInsert;
    change->relation = relation_;
    change->new_values = {{ValueKind::kText, std::to_string(i % 100)}, {ValueKind::kText, "v"}};
    change->position = Position{kLsn, static_cast<uint32_t>(i)};
    if (!runner_->Accepts(*change)) continue;
    ++accepted;
    tracker_.AddPending(kLsn, 1);
    runner_->Push(change, [] {});
  }
  tracker_.CommitTxn(kLsn, kLsn + 10);
  EXPECT_EQ(accepted, kRows);
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == kRows; }, 20s));
  ASSERT_TRUE(WaitFor([&] { return tracker_.Frontier() == kLsn + 10; }));
}

TEST_F(SinkRunnerTest, BackpressureBlocksThePusherUntilTheSinkCatchesUp) {
  std::atomic<bool> release{false};
  configure_sink_ = [&](ScriptedSink& sink) {
    sink.decide = [&](const Message&) {
      while (!release) std::this_thread::sleep_for(1ms);
      return Status::Ok();
    };
  };
  ScriptedSink* sink = StartRunner();
  std::atomic<int> pushed{0};
  std::atomic<int> waits{0};
  std::thread producer([&] {
    for (int i = 0; i < 10000; ++i) {
      auto change = std::make_shared<Change>();
      change->action = Action::kInsert;
      change->relation = relation_;
      change->new_values = {{ValueKind::kText, std::to_string(i)}, {ValueKind::kText, "v"}};
      change->position = Position{static_cast<Lsn>(i + 1) * 100, 0};
      tracker_.BeginTxn(change->position.commit_lsn);
      tracker_.AddPending(change->position.commit_lsn, 1);
      runner_->Push(change, [&] { ++waits; });
      tracker_.CommitTxn(change->position.commit_lsn, change->position.commit_lsn + 10);
      ++pushed;
    }
  });
  std::this_thread::sleep_for(1200ms);
  EXPECT_LT(pushed.load(), 10000) << "the queue must be bounded";
  EXPECT_GE(waits.load(), 1) << "the pusher is told it is waiting";
  release = true;
  producer.join();
  ASSERT_TRUE(WaitFor([&] { return sink->delivered().size() == 10000; }, 20s));
}

}  // namespace
}  // namespace sluice
