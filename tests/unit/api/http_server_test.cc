// ApiServer on 127.0.0.1 (port 0) with an in-memory EngineView and a real SqliteStore,
// exercised over HTTP with httplib::Client.
#include "api/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/metrics.h"
#include "sinks/http_pull/http_pull_sink.h"
#include "store/sqlite/sqlite_store.h"
#include "unit/store/temp_dir.h"

namespace sluice {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Our own EngineView interface, answered from memory.
class FakeEngine : public EngineView {
 public:
  std::vector<SinkStatus> Sinks() const override {
    std::lock_guard lock(mutex_);
    return sinks_;
  }
  HealthReport Health() const override {
    std::lock_guard lock(mutex_);
    return health_;
  }
  void SetSinks(std::vector<SinkStatus> sinks) {
    std::lock_guard lock(mutex_);
    sinks_ = std::move(sinks);
  }
  void SetHealth(HealthReport health) {
    std::lock_guard lock(mutex_);
    health_ = std::move(health);
  }

 private:
  mutable std::mutex mutex_;
  std::vector<SinkStatus> sinks_;
  HealthReport health_;
};

SinkConfig PullSinkConfig(std::string name, std::string type) {
  SinkConfig sink;
  sink.name = std::move(name);
  sink.database = "app";
  sink.destination_type = type;
  sink.destination =
      ConfigNode(YAML::Load("type: " + type + "\nvisibility_timeout: 30s"), "sluice.yaml",
                 "sinks[0].destination", std::make_shared<ConfigErrors>());
  return sink;
}

Message Change(Lsn lsn, std::string group) {
  Message m;
  m.position = Position{lsn, 0};
  m.group_key = std::move(group);
  m.idempotency_key = "key-" + std::to_string(lsn);
  m.body = R"({"action":"insert","record":{"id":)" + std::to_string(lsn) + "}}";
  return m;
}

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.path());
    ASSERT_TRUE(store.has_value()) << store.status().ToString();
    store_ = std::move(*store);
    config_.server.listen = "127.0.0.1:0";
    config_.sinks.push_back(PullSinkConfig("orders", "http_pull"));
    config_.sinks.push_back(PullSinkConfig("legacy", "sequin_stream"));
    SinkStatus orders;
    orders.name = "orders";
    orders.type = "http_pull";
    orders.database = "app";
    orders.status = "active";
    orders.messages_delivered = 7;
    orders.throughput_per_sec = 1.5;
    orders.backlog = 2;
    orders.lag_bytes = 1024;
    SinkStatus hooks;
    hooks.name = "hooks";
    hooks.type = "webhook";
    hooks.database = "app";
    hooks.status = "failing";
    hooks.last_error = "HTTP 503";
    engine_.SetSinks({orders, hooks});
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  void StartServer() {
    server_ = std::make_unique<ApiServer>(config_, &engine_, store_.get());
    Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(std::chrono::seconds(30));
  }

  // Enqueues through the real http_pull sink, as the pipeline would.
  void SendThroughSink(const std::string& sink_name, Batch batch) {
    SinkConfig sink_config = PullSinkConfig(sink_name, "http_pull");
    Result<std::unique_ptr<Sink>> sink =
        MakeHttpPullSink(sink_config, SinkContext{&config_, store_.get()});
    ASSERT_TRUE(sink.has_value()) << sink.status().ToString();
    bool all_ok = false;
    (*sink)->Send(batch, [&](std::vector<Status> outcomes) {
      all_ok =
          std::all_of(outcomes.begin(), outcomes.end(), [](const Status& s) { return s.ok(); });
    });
    ASSERT_TRUE(all_ok);
  }

  httplib::Result Post(const std::string& path, const json& body,
                       const httplib::Headers& headers = {}) {
    return client_->Post(path.c_str(), headers, body.dump(), "application/json");
  }

  static json Body(const httplib::Result& res) {
    return res ? json::parse(res->body, nullptr, false) : json();
  }

  static void ExpectError(const httplib::Result& res, int status, const std::string& code) {
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, status) << res->body;
    json body = Body(res);
    ASSERT_TRUE(body.is_object()) << res->body;
    EXPECT_EQ(body["error"]["code"], code) << res->body;
    EXPECT_TRUE(body["error"]["message"].is_string()) << res->body;
  }

  testing::TempDir dir_;
  Config config_;
  FakeEngine engine_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<ApiServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ApiServerTest, HealthIsOkWhenTheEngineAndStoreAre) {
  StartServer();
  auto res = client_->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  json body = Body(res);
  EXPECT_EQ(body["ok"], true);
  EXPECT_TRUE(body["version"].is_string());
  EXPECT_FALSE(body.contains("failing"));
}

TEST_F(ApiServerTest, HealthIs503WithTheFailingParts) {
  engine_.SetHealth(HealthReport{false, {"database app: connection refused"}});
  StartServer();
  auto res = client_->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  json body = Body(res);
  EXPECT_EQ(body["ok"], false);
  EXPECT_EQ(body["failing"], json::array({"database app: connection refused"}));
}

TEST_F(ApiServerTest, MetricsRenderPrometheusTextWithQueueDepth) {
  Metrics::Global().GetCounter("sluice_messages_delivered_total", {{"sink", "api-test"}})->Add(3);
  SendThroughSink("orders", {Change(1, "a"), Change(2, "b")});
  StartServer();
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(res->body.find("sluice_messages_delivered_total{sink=\"api-test\"} 3\n"),
            std::string::npos)
      << res->body;
  EXPECT_NE(res->body.find("sluice_http_pull_queue_messages{sink=\"orders\",database=\"app\"} 2\n"),
            std::string::npos)
      << res->body;
}

TEST_F(ApiServerTest, ReceiveAckRoundTrip) {
  SendThroughSink("orders", {Change(1, "a"), Change(2, "a"), Change(3, "b")});
  StartServer();
  auto res = Post("/api/http_pull_consumers/orders/receive", {{"batch_size", 10}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json body = Body(res);
  ASSERT_EQ(body["data"].size(), 2u) << res->body;  // group "a" holds back its second message
  EXPECT_EQ(body["data"][0]["data"], json::parse(Change(1, "a").body));
  EXPECT_EQ(body["data"][1]["data"], json::parse(Change(3, "b").body));

  json ack_ids = json::array({body["data"][0]["ack_id"], body["data"][1]["ack_id"]});
  auto acked = Post("/api/http_pull_consumers/orders/ack", {{"ack_ids", ack_ids}});
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->status, 200);
  EXPECT_EQ(Body(acked), (json{{"success", true}}));

  auto next = Post("/api/http_pull_consumers/orders/receive", {{"batch_size", 10}});
  ASSERT_TRUE(next);
  json next_body = Body(next);
  ASSERT_EQ(next_body["data"].size(), 1u);
  EXPECT_EQ(next_body["data"][0]["data"], json::parse(Change(2, "a").body));
  Result<int64_t> depth = store_->QueueDepth("orders");
  ASSERT_TRUE(depth.has_value());
  EXPECT_EQ(*depth, 1);
}

TEST_F(ApiServerTest, NackMakesTheMessageAvailableAgain) {
  SendThroughSink("orders", {Change(1, "a")});
  StartServer();
  json first = Body(Post("/api/http_pull_consumers/orders/receive", json::object()));
  ASSERT_EQ(first["data"].size(), 1u);
  EXPECT_EQ(Body(Post("/api/http_pull_consumers/orders/receive", json::object()))["data"].size(),
            0u);
  auto nacked = Post("/api/http_pull_consumers/orders/nack",
                     {{"ack_ids", json::array({first["data"][0]["ack_id"]})}});
  ASSERT_TRUE(nacked);
  EXPECT_EQ(nacked->status, 200);
  json again = Body(Post("/api/http_pull_consumers/orders/receive", json::object()));
  ASSERT_EQ(again["data"].size(), 1u);
  EXPECT_NE(again["data"][0]["ack_id"], first["data"][0]["ack_id"]);
}

TEST_F(ApiServerTest, ReceiveHandsOutNoMoreThanMaxAckPending) {
  config_.sinks[0].destination =
      ConfigNode(YAML::Load("type: http_pull\nmax_ack_pending: 2"), "sluice.yaml",
                 "sinks[0].destination", std::make_shared<ConfigErrors>());
  SendThroughSink("orders", {Change(1, "a"), Change(2, "b"), Change(3, "c"), Change(4, "d")});
  StartServer();
  const std::string receive = "/api/http_pull_consumers/orders/receive";
  json first = Body(Post(receive, {{"batch_size", 10}}));
  ASSERT_EQ(first["data"].size(), 2u);
  EXPECT_EQ(Body(Post(receive, {{"batch_size", 10}}))["data"].size(), 0u);
  Post("/api/http_pull_consumers/orders/ack",
       {{"ack_ids", json::array({first["data"][0]["ack_id"]})}});
  EXPECT_EQ(Body(Post(receive, {{"batch_size", 10}}))["data"].size(), 1u);
}

TEST_F(ApiServerTest, SequinStreamsIsAnAliasOfHttpPullConsumers) {
  SendThroughSink("legacy", {Change(1, "a")});
  StartServer();
  json got = Body(Post("/api/sequin_streams/legacy/receive", {{"batch_size", 5}}));
  ASSERT_EQ(got["data"].size(), 1u);
  auto acked = Post("/api/sequin_streams/legacy/ack",
                    {{"ack_ids", json::array({got["data"][0]["ack_id"]})}});
  ASSERT_TRUE(acked);
  EXPECT_EQ(acked->status, 200);
  Result<int64_t> depth = store_->QueueDepth("legacy");
  ASSERT_TRUE(depth.has_value());
  EXPECT_EQ(*depth, 0);
}

TEST_F(ApiServerTest, LongPollReturnsAsSoonAsTheSinkEnqueues) {
  StartServer();
  auto start = steady_clock::now();
  auto pending = std::async(std::launch::async, [&] {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(std::chrono::seconds(30));
    return client.Post("/api/http_pull_consumers/orders/receive",
                       R"({"batch_size": 10, "wait_for": 20000})", "application/json");
  });
  std::this_thread::sleep_for(milliseconds(300));
  auto sent = steady_clock::now();
  SendThroughSink("orders", {Change(1, "a")});
  auto res = pending.get();
  auto answered = steady_clock::now();
  ASSERT_TRUE(res);
  EXPECT_EQ(Body(res)["data"].size(), 1u) << res->body;
  EXPECT_GE(answered - start, milliseconds(300));  // it did wait for the message
  // Without the queue signal it would sleep out the 1 s re-poll interval.
  EXPECT_LT(answered - sent, milliseconds(800));
}

TEST_F(ApiServerTest, LongPollGivesUpAfterWaitFor) {
  StartServer();
  auto start = steady_clock::now();
  auto res = Post("/api/http_pull_consumers/orders/receive", {{"wait_for", 300}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Body(res), (json{{"data", json::array()}}));
  EXPECT_GE(steady_clock::now() - start, milliseconds(300));
}

TEST_F(ApiServerTest, StopEndsALongPollAtOnce) {
  StartServer();
  auto pending = std::async(std::launch::async, [&] {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(std::chrono::seconds(30));
    return client.Post("/api/http_pull_consumers/orders/receive", R"({"wait_for": 60000})",
                       "application/json");
  });
  std::this_thread::sleep_for(milliseconds(200));
  auto start = steady_clock::now();
  server_->Stop();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
  auto res = pending.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(Body(res)["data"].size(), 0u);
}

TEST_F(ApiServerTest, ApiCallsNeedABearerTokenWhenTokensAreConfigured) {
  config_.server.api_tokens = {"s3cret", "other"};
  StartServer();
  ExpectError(client_->Get("/api/sinks"), 401, "unauthorized");
  ExpectError(client_->Get("/api/sinks", {{"Authorization", "Bearer wrong"}}), 401, "unauthorized");
  ExpectError(Post("/api/http_pull_consumers/orders/receive", json::object()), 401, "unauthorized");
  auto ok = client_->Get("/api/sinks", {{"Authorization", "Bearer other"}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  auto health = client_->Get("/health");  // probes stay open
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(ApiServerTest, UnknownNamesAndPathsAre404) {
  StartServer();
  ExpectError(Post("/api/http_pull_consumers/nope/receive", json::object()), 404, "not_found");
  ExpectError(Post("/api/http_pull_consumers/nope/ack", {{"ack_ids", json::array()}}), 404,
              "not_found");
  ExpectError(client_->Get("/api/sinks/nope"), 404, "not_found");
  ExpectError(client_->Get("/api/sinks/nope/messages"), 404, "not_found");
  ExpectError(client_->Get("/no/such/path"), 404, "not_found");
}

TEST_F(ApiServerTest, BadReceiveAndAckRequestsAre400) {
  StartServer();
  const std::string receive = "/api/http_pull_consumers/orders/receive";
  ExpectError(Post(receive, {{"batch_size", 0}}), 400, "bad_request");
  ExpectError(Post(receive, {{"batch_size", 1001}}), 400, "bad_request");
  ExpectError(Post(receive, {{"batch_size", "ten"}}), 400, "bad_request");
  ExpectError(Post(receive, {{"wait_for", 300001}}), 400, "bad_request");
  ExpectError(client_->Post(receive.c_str(), "{not json", "application/json"), 400, "bad_request");
  ExpectError(client_->Post(receive.c_str(), "[1,2]", "application/json"), 400, "bad_request");
  ExpectError(Post("/api/http_pull_consumers/orders/ack", {{"ack_ids", "x"}}), 400, "bad_request");
  ExpectError(Post("/api/http_pull_consumers/orders/ack", {{"ack_ids", json::array({1, 2})}}), 400,
              "bad_request");
  ExpectError(Post("/api/http_pull_consumers/orders/nack", json::object()), 400, "bad_request");
}

TEST_F(ApiServerTest, SinksListAndDetailComeFromTheEngine) {
  StartServer();
  auto list = client_->Get("/api/sinks");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  json sinks = Body(list)["data"];
  ASSERT_EQ(sinks.size(), 2u);
  EXPECT_EQ(sinks[1]["name"], "hooks");
  EXPECT_EQ(sinks[1]["status"], "failing");
  EXPECT_EQ(sinks[1]["last_error"], "HTTP 503");

  auto detail = client_->Get("/api/sinks/orders");
  ASSERT_TRUE(detail);
  EXPECT_EQ(detail->status, 200);
  json orders = Body(detail);
  EXPECT_EQ(orders["type"], "http_pull");
  EXPECT_EQ(orders["status"], "active");
  EXPECT_EQ(orders["messages_delivered"], 7);
  EXPECT_EQ(orders["throughput_per_sec"], 1.5);
  EXPECT_EQ(orders["backlog"], 2);
  EXPECT_EQ(orders["lag_bytes"], 1024);
  EXPECT_TRUE(orders["last_error"].is_null());
}

TEST_F(ApiServerTest, SinkMessagesListParkedMessagesByState) {
  std::vector<ParkedMessage> parked(3);
  for (size_t i = 0; i < parked.size(); ++i) {
    parked[i].sink = "hooks";
    parked[i].position = Position{100 + i, 0};
    parked[i].group_key = "g";
    parked[i].action = "insert";
    parked[i].body = R"({"record":{"id":)" + std::to_string(i) + "}}";
    parked[i].attempts = static_cast<int>(i) + 1;
    parked[i].last_error = "HTTP 503";
    parked[i].state = i == 1 ? "dead_letter" : "failing";
  }
  parked[2].body = "not json";
  ASSERT_TRUE(store_->ParkMessages(parked).ok());
  StartServer();

  json failing = Body(client_->Get("/api/sinks/hooks/messages?state=failing"))["data"];
  ASSERT_EQ(failing.size(), 2u);
  EXPECT_EQ(failing[0]["id"], parked[0].id);
  EXPECT_EQ(failing[0]["attempts"], 1);
  EXPECT_EQ(failing[0]["last_error"], "HTTP 503");
  EXPECT_EQ(failing[0]["data"], (json{{"record", {{"id", 0}}}}));
  EXPECT_EQ(failing[1]["data"], "not json");

  json dead = Body(client_->Get("/api/sinks/hooks/messages?state=dead_letter"))["data"];
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0]["state"], "dead_letter");

  EXPECT_EQ(Body(client_->Get("/api/sinks/hooks/messages?limit=1"))["data"].size(), 1u);
  ExpectError(client_->Get("/api/sinks/hooks/messages?state=weird"), 400, "bad_request");
  ExpectError(client_->Get("/api/sinks/hooks/messages?limit=0"), 400, "bad_request");
}

TEST_F(ApiServerTest, RefusesToListenBeyondLoopbackWithoutTokens) {
  config_.server.listen = "0.0.0.0:0";
  ApiServer server(config_, &engine_, store_.get());
  Status started = server.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.retry(), Retry::kFatal);
  EXPECT_NE(started.message().find("api_tokens"), std::string::npos) << started.message();
}

TEST_F(ApiServerTest, RejectsAMalformedListenAddress) {
  config_.server.listen = "127.0.0.1";
  ApiServer server(config_, &engine_, store_.get());
  Status started = server.Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.retry(), Retry::kFatal);
}

}  // namespace
}  // namespace sluice
