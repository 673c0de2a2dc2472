// HttpPullSink against a real SqliteStore: batches land in the queue named after the sink,
// exactly once, and wake waiting receivers; plus parsing of the destination fields.
#include "sinks/http_pull/http_pull_sink.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "sinks/http_pull/config.h"
#include "store/queue_signal.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/store/temp_dir.h"

namespace sluice {
namespace {

Message Change(Lsn lsn, uint32_t idx, std::string group) {
  Message m;
  m.position = Position{lsn, idx};
  m.group_key = std::move(group);
  m.idempotency_key = std::to_string(lsn) + ":" + std::to_string(idx);
  m.body = "{\"lsn\":" + std::to_string(lsn) + ",\"idx\":" + std::to_string(idx) + "}";
  return m;
}

ConfigNode Destination(const std::string& yaml) {
  return ConfigNode(YAML::Load(yaml), "sluice.yaml", "sinks[0].destination",
                    std::make_shared<ConfigErrors>());
}

SinkConfig PullSink(std::string name, const std::string& destination_yaml) {
  SinkConfig sink;
  sink.name = std::move(name);
  sink.destination_type = "http_pull";
  sink.destination = Destination(destination_yaml);
  return sink;
}

class HttpPullSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(store.has_value()) << store.status().ToString();
    store_ = std::move(*store);
    Result<std::unique_ptr<Sink>> sink = MakeHttpPullSink(PullSink("orders", "type: http_pull"),
                                                          SinkContext{&config_, store_.get()});
    ASSERT_TRUE(sink.has_value()) << sink.status().ToString();
    sink_ = std::move(*sink);
    ASSERT_TRUE(sink_->Start().ok());
  }

  // Sends `batch` and returns the outcomes `done` reported (checking it ran exactly once).
  std::vector<Status> SendAndWait(const Batch& batch) {
    int calls = 0;
    std::vector<Status> outcomes;
    sink_->Send(batch, [&](std::vector<Status> result) {
      ++calls;
      outcomes = std::move(result);
    });
    EXPECT_EQ(calls, 1);
    return outcomes;
  }

  testing::TempDir dir_;
  Config config_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Sink> sink_;
};

TEST_F(HttpPullSinkTest, SentMessagesCanBeReceivedFromTheSinksQueue) {
  Batch batch = {Change(10, 0, "a"), Change(10, 1, "b"), Change(11, 0, "a")};
  std::vector<Status> outcomes = SendAndWait(batch);
  ASSERT_EQ(outcomes.size(), 3u);
  for (const Status& s : outcomes) EXPECT_TRUE(s.ok()) << s.ToString();

  Result<std::vector<ReceivedMessage>> got = store_->Receive("orders", 10, 30000, 1000);
  ASSERT_TRUE(got.has_value());
  // Group "a" hands out its first message only; its second waits for the ack.
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].body, batch[0].body);
  EXPECT_EQ((*got)[1].body, batch[1].body);
  std::vector<std::string> ids = {(*got)[0].ack_id};
  ASSERT_TRUE(store_->Ack("orders", ids).ok());
  Result<std::vector<ReceivedMessage>> next = store_->Receive("orders", 10, 30000, 1000);
  ASSERT_TRUE(next.has_value());
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].body, batch[2].body);
}

TEST_F(HttpPullSinkTest, ReplayingABatchAddsNothing) {
  Batch batch = {Change(10, 0, "a"), Change(10, 1, "b")};
  SendAndWait(batch);
  Result<std::vector<ReceivedMessage>> got = store_->Receive("orders", 1, 30000, 1000);
  ASSERT_TRUE(got.has_value() && got->size() == 1u);
  std::vector<std::string> ids = {(*got)[0].ack_id};
  ASSERT_TRUE(store_->Ack("orders", ids).ok());

  std::vector<Status> outcomes = SendAndWait(batch);
  for (const Status& s : outcomes) EXPECT_TRUE(s.ok());
  Result<int64_t> depth = store_->QueueDepth("orders");
  ASSERT_TRUE(depth.has_value());
  EXPECT_EQ(*depth, 1);  // only the unacknowledged one; the acked one did not come back
}

TEST_F(HttpPullSinkTest, SendSignalsTheQueue) {
  uint64_t before = QueueGeneration("orders");
  SendAndWait({Change(10, 0, "a")});
  EXPECT_GT(QueueGeneration("orders"), before);
  EXPECT_TRUE(WaitForQueue("orders", before, std::chrono::milliseconds(0)));
}

TEST_F(HttpPullSinkTest, FactoryNeedsAStateStore) {
  Result<std::unique_ptr<Sink>> sink =
      MakeHttpPullSink(PullSink("orders", "type: http_pull"), SinkContext{&config_, nullptr});
  ASSERT_FALSE(sink.has_value());
  EXPECT_EQ(sink.error().retry(), Retry::kFatal);
}

TEST(HttpPullConfigTest, DefaultsApplyWhenFieldsAreAbsent) {
  Config config;
  ConfigNode node = Destination("type: http_pull");
  Result<HttpPullConfig> parsed = ParseHttpPullConfig(node, config);
  ASSERT_TRUE(parsed.has_value()) << parsed.status().ToString();
  EXPECT_EQ(parsed->visibility_timeout, std::chrono::milliseconds(30000));
  EXPECT_EQ(parsed->max_ack_pending, 10000);
}

TEST(HttpPullConfigTest, ReadsVisibilityTimeoutAndMaxAckPending) {
  Config config;
  ConfigNode node = Destination("type: http_pull\nvisibility_timeout: 5s\nmax_ack_pending: 20");
  Result<HttpPullConfig> parsed = ParseHttpPullConfig(node, config);
  ASSERT_TRUE(parsed.has_value()) << parsed.status().ToString();
  EXPECT_EQ(parsed->visibility_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(parsed->max_ack_pending, 20);
}

TEST(HttpPullConfigTest, RejectsOutOfRangeValuesAndUnknownKeys) {
  Config config;
  ConfigNode node =
      Destination("type: http_pull\nvisibility_timeout: 0\nmax_ack_pending: 0\ntopic: x");
  Result<HttpPullConfig> parsed = ParseHttpPullConfig(node, config);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().retry(), Retry::kFatal);
  const std::string& message = parsed.error().message();
  EXPECT_NE(message.find("visibility_timeout"), std::string::npos) << message;
  EXPECT_NE(message.find("max_ack_pending"), std::string::npos) << message;
  EXPECT_NE(message.find("topic"), std::string::npos) << message;
}

TEST(HttpPullConfigTest, BothTypeNamesAreHttpPull) {
  EXPECT_TRUE(IsHttpPullType("http_pull"));
  EXPECT_TRUE(IsHttpPullType("sequin_stream"));
  EXPECT_FALSE(IsHttpPullType("webhook"));
}

}  // namespace
}  // namespace sluice
