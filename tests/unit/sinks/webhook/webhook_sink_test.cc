#include "sinks/webhook/webhook_sink.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "sinks/webhook/signature.h"
#include "unit/sinks/webhook/recording_server.h"
#include "unit/sinks/webhook/self_signed.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;

Message MakeMessage(std::string group_key, int n, std::string extra = "") {
  Message message;
  message.schema_name = "public";
  message.table_name = "orders";
  message.group_key = group_key;
  message.idempotency_key = "key-" + group_key + "-" + std::to_string(n);
  message.body = R"({"g":")" + group_key + R"(","n":)" + std::to_string(n) + extra + "}";
  return message;
}

WebhookConfig ConfigFor(const std::string& url, bool batch) {
  WebhookConfig config;
  config.endpoint_name = "test";
  config.url = url;
  config.batch = batch;
  config.timeout = milliseconds(2000);
  return config;
}

// Sends `batch` and returns its outcomes, checking `done` ran exactly once.
std::vector<Status> SendAndWait(Sink& sink, const Batch& batch) {
  int calls = 0;
  std::vector<Status> outcomes;
  sink.Send(batch, [&](std::vector<Status> result) {
    ++calls;
    outcomes = std::move(result);
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(outcomes.size(), batch.size());
  return outcomes;
}

// Computed here with OpenSSL's one-shot HMAC, independently of the sink's EVP_MAC code.
std::string ExpectedSignature(const std::string& key, const std::string& id,
                              const std::string& timestamp, const std::string& body) {
  const std::string signed_text = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac,
       &mac_size);
  unsigned char encoded[4 * EVP_MAX_MD_SIZE];
  const int n = EVP_EncodeBlock(encoded, mac, static_cast<int>(mac_size));
  return "v1," + std::string(reinterpret_cast<char*>(encoded), n);
}

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A loopback port with nothing listening on it.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(WebhookSinkTest, BatchIsOnePostOfADataArrayWithTheEndpointHeaders) {
  RecordingServer server;
  WebhookConfig config = ConfigFor(server.url() + "/hooks/orders", true);
  config.headers = {"Authorization: Bearer hook-token", "X-Team: data"};
  WebhookSink sink("orders-hook", config);
  ASSERT_TRUE(sink.Start().ok());

  auto outcomes =
      SendAndWait(sink, {MakeMessage("1", 1), MakeMessage("2", 1), MakeMessage("1", 2)});
  for (const Status& status : outcomes) EXPECT_TRUE(status.ok()) << status.message();

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/hooks/orders");
  EXPECT_EQ(requests[0].body, R"({"data":[{"g":"1","n":1},{"g":"2","n":1},{"g":"1","n":2}]})");
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].Header("Authorization"), "Bearer hook-token");
  EXPECT_EQ(requests[0].Header("X-Team"), "data");
  EXPECT_EQ(requests[0].Header("webhook-signature"), "");  // no secret, no signature
  EXPECT_TRUE(sink.Flush(milliseconds(100)).ok());
}

TEST(WebhookSinkTest, SignedBatchCarriesVerifiableStandardWebhooksHeaders) {
  RecordingServer server;
  WebhookConfig config = ConfigFor(server.url(), true);
  config.signing_key = "raw key bytes";
  WebhookSink sink("signed", config);
  ASSERT_TRUE(sink.Start().ok());
  const Batch batch = {MakeMessage("1", 1), MakeMessage("2", 1)};

  for (const Status& status : SendAndWait(sink, batch)) EXPECT_TRUE(status.ok());

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const RecordedRequest& request = requests[0];
  EXPECT_EQ(request.Header("webhook-id"), *BatchWebhookId(batch));
  const std::string timestamp = request.Header("webhook-timestamp");
  EXPECT_NEAR(std::stoll(timestamp), NowSeconds(), 5);
  EXPECT_EQ(
      request.Header("webhook-signature"),
      ExpectedSignature("raw key bytes", request.Header("webhook-id"), timestamp, request.body));
}

TEST(WebhookSinkTest, SignedSingleMessagesUseTheIdempotencyKeyAsWebhookId) {
  RecordingServer server;
  WebhookConfig config = ConfigFor(server.url(), false);
  config.signing_key = *DecodeSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  WebhookSink sink("signed-each", config);
  ASSERT_TRUE(sink.Start().ok());

  for (const Status& status : SendAndWait(sink, {MakeMessage("7", 1)})) EXPECT_TRUE(status.ok());

  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, R"({"g":"7","n":1})");
  EXPECT_EQ(requests[0].Header("webhook-id"), "key-7-1");
  EXPECT_EQ(requests[0].Header("webhook-signature"),
            ExpectedSignature(config.signing_key, "key-7-1",
                              requests[0].Header("webhook-timestamp"), requests[0].body));
}

TEST(WebhookSinkTest, ErrorStatusIsTransientAndNamesCodeAndUrlButNoSecrets) {
  RecordingServer server;
  WebhookConfig config = ConfigFor(server.url() + "/hooks?token=query-secret", true);
  config.headers = {"Authorization: Bearer header-secret"};
  config.signing_key = "signing-secret";
  WebhookSink sink("failing", config);
  ASSERT_TRUE(sink.Start().ok());

  for (int code : {500, 404, 302}) {
    server.set_responder([code](const httplib::Request&) { return code; });
    auto outcomes = SendAndWait(sink, {MakeMessage("1", 1), MakeMessage("2", 1)});
    for (const Status& status : outcomes) {
      ASSERT_FALSE(status.ok());
      EXPECT_EQ(status.retry(), Retry::kTransient);
      const std::string& message = status.message();
      EXPECT_NE(message.find("HTTP " + std::to_string(code)), std::string::npos) << message;
      EXPECT_NE(message.find("POST " + server.url() + "/hooks"), std::string::npos) << message;
      for (const char* secret : {"query-secret", "header-secret", "signing-secret"}) {
        EXPECT_EQ(message.find(secret), std::string::npos) << message;
      }
    }
  }
}

TEST(WebhookSinkTest, SlowServerTimesOutAsTransientWithinTheTimeout) {
  RecordingServer server;
  server.set_responder([&server](const httplib::Request&) {
    server.Hold(milliseconds(5000));
    return 200;
  });
  WebhookConfig config = ConfigFor(server.url(), true);
  config.timeout = milliseconds(300);
  WebhookSink sink("slow", config);
  ASSERT_TRUE(sink.Start().ok());

  const auto start = std::chrono::steady_clock::now();
  auto outcomes = SendAndWait(sink, {MakeMessage("1", 1)});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  server.ReleaseHeld();

  ASSERT_FALSE(outcomes[0].ok());
  EXPECT_EQ(outcomes[0].retry(), Retry::kTransient);
  EXPECT_NE(outcomes[0].message().find("no response within 300 ms"), std::string::npos)
      << outcomes[0].message();
  EXPECT_GE(elapsed, milliseconds(250));
  EXPECT_LT(elapsed, milliseconds(1500));
}

TEST(WebhookSinkTest, ConnectionRefusedIsTransient) {
  const std::string url = "http://127.0.0.1:" + std::to_string(ClosedPort()) + "/x";
  WebhookSink sink("refused", ConfigFor(url, false));
  ASSERT_TRUE(sink.Start().ok());
  auto outcomes = SendAndWait(sink, {MakeMessage("1", 1), MakeMessage("2", 1)});
  for (const Status& status : outcomes) {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.retry(), Retry::kTransient);
    EXPECT_NE(status.message().find(url), std::string::npos) << status.message();
  }
}

TEST(WebhookSinkTest, VerifiesTlsCertificatesUnlessTurnedOff) {
  SelfSigned self_signed = SelfSigned::For127001();
  ASSERT_TRUE(self_signed.cert && self_signed.key);
  RecordingServer server(
      std::make_unique<httplib::SSLServer>(self_signed.cert.get(), self_signed.key.get()), "https");

  WebhookSink verifying("tls-verify", ConfigFor(server.url(), true));
  ASSERT_TRUE(verifying.Start().ok());
  auto outcomes = SendAndWait(verifying, {MakeMessage("1", 1)});
  ASSERT_FALSE(outcomes[0].ok());
  EXPECT_EQ(outcomes[0].retry(), Retry::kTransient);
  EXPECT_NE(outcomes[0].message().find("certificate"), std::string::npos) << outcomes[0].message();
  EXPECT_TRUE(server.requests().empty());

  WebhookConfig insecure = ConfigFor(server.url(), true);
  insecure.tls.verify = false;
  WebhookSink trusting("tls-no-verify", insecure);
  ASSERT_TRUE(trusting.Start().ok());
  outcomes = SendAndWait(trusting, {MakeMessage("1", 1)});
  EXPECT_TRUE(outcomes[0].ok()) << outcomes[0].message();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(WebhookSinkTest, ReusesOneKeptAliveConnectionAcrossBatches) {
  RecordingServer server;
  WebhookSink sink("keep-alive", ConfigFor(server.url(), true));
  ASSERT_TRUE(sink.Start().ok());
  Counter* opened = Metrics::Global().GetCounter("sluice_webhook_connections_opened_total",
                                                 {{"sink", "keep-alive"}});
  Counter* ok = Metrics::Global().GetCounter("sluice_webhook_requests_total",
                                             {{"sink", "keep-alive"}, {"result", "ok"}});
  const int64_t opened_before = opened->value();

  for (int n = 1; n <= 3; ++n) {
    for (const Status& status : SendAndWait(sink, {MakeMessage("1", n)})) {
      EXPECT_TRUE(status.ok());
    }
  }
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(opened->value() - opened_before, 1);
  EXPECT_EQ(ok->value(), 3);
}

TEST(WebhookSinkTest, OneRequestPerMessageReportsEachOutcome) {
  RecordingServer server;
  server.set_responder([](const httplib::Request& request) {
    return request.body.find("\"bad\":true") != std::string::npos ? 500 : 204;
  });
  WebhookSink sink("each", ConfigFor(server.url(), false));
  ASSERT_TRUE(sink.Start().ok());

  auto outcomes = SendAndWait(sink, {MakeMessage("1", 1), MakeMessage("2", 1, R"(,"bad":true)"),
                                     MakeMessage("3", 1), MakeMessage("4", 1, R"(,"bad":true)")});
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_EQ(outcomes[1].retry(), Retry::kTransient);
  EXPECT_NE(outcomes[1].message().find("HTTP 500"), std::string::npos);
  EXPECT_TRUE(outcomes[2].ok());
  EXPECT_FALSE(outcomes[3].ok());
  EXPECT_EQ(server.requests().size(), 4u);
}

TEST(WebhookSinkTest, FailedMessageBlocksTheRestOfItsGroupOnly) {
  RecordingServer server;
  server.set_responder([](const httplib::Request& request) {
    return request.body == R"({"g":"a","n":1})" ? 503 : 200;
  });
  WebhookSink sink("blocked", ConfigFor(server.url(), false));
  ASSERT_TRUE(sink.Start().ok());

  auto outcomes = SendAndWait(
      sink, {MakeMessage("a", 1), MakeMessage("b", 1), MakeMessage("a", 2), MakeMessage("b", 2)});
  EXPECT_NE(outcomes[0].message().find("HTTP 503"), std::string::npos);
  EXPECT_TRUE(outcomes[1].ok());
  ASSERT_FALSE(outcomes[2].ok());
  EXPECT_EQ(outcomes[2].retry(), Retry::kTransient);
  EXPECT_NE(outcomes[2].message().find("blocked behind failed message key-a-1"), std::string::npos)
      << outcomes[2].message();
  EXPECT_TRUE(outcomes[3].ok());
  // The blocked message was never sent.
  for (const RecordedRequest& request : server.requests()) {
    EXPECT_NE(request.body, R"({"g":"a","n":2})");
  }
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(WebhookSinkTest, GroupsRunInParallelButEachGroupOneAtATimeInOrder) {
  RecordingServer server;
  std::mutex mutex;
  std::map<std::string, int> active_per_group;
  std::map<std::string, std::vector<int>> arrivals;
  int active = 0, max_active = 0, max_active_in_group = 0;
  server.set_responder([&](const httplib::Request& request) {
    const std::string group = request.body.substr(6, 1);  // {"g":"X",...
    const int n = request.body[request.body.size() - 2] - '0';
    {
      std::lock_guard<std::mutex> lock(mutex);
      arrivals[group].push_back(n);
      max_active = std::max(max_active, ++active);
      max_active_in_group = std::max(max_active_in_group, ++active_per_group[group]);
    }
    std::this_thread::sleep_for(milliseconds(50));
    std::lock_guard<std::mutex> lock(mutex);
    --active;
    --active_per_group[group];
    return 200;
  });
  WebhookSink sink("parallel", ConfigFor(server.url(), false));
  ASSERT_TRUE(sink.Start().ok());

  Batch batch;
  for (int n = 1; n <= 3; ++n) {
    for (const char* group : {"a", "b", "c"}) batch.push_back(MakeMessage(group, n));
  }
  for (const Status& status : SendAndWait(sink, batch)) EXPECT_TRUE(status.ok());

  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_EQ(max_active_in_group, 1);
  EXPECT_GT(max_active, 1);
  for (const char* group : {"a", "b", "c"}) {
    EXPECT_EQ(arrivals[group], (std::vector<int>{1, 2, 3})) << group;
  }
}

TEST(WebhookSinkTest, EmptyBatchSendsNothing) {
  RecordingServer server;
  WebhookSink sink("empty", ConfigFor(server.url(), true));
  ASSERT_TRUE(sink.Start().ok());
  EXPECT_TRUE(SendAndWait(sink, {}).empty());
  EXPECT_TRUE(server.requests().empty());
}

TEST(WebhookSinkTest, RestartedSinkDeliversOnANewConnection) {
  RecordingServer server;
  WebhookSink sink("restarted", ConfigFor(server.url(), true));
  Counter* opened = Metrics::Global().GetCounter("sluice_webhook_connections_opened_total",
                                                 {{"sink", "restarted"}});
  for (int round = 1; round <= 2; ++round) {
    ASSERT_TRUE(sink.Start().ok());
    for (const Status& status : SendAndWait(sink, {MakeMessage("1", round)})) {
      EXPECT_TRUE(status.ok()) << status.message();
    }
    EXPECT_EQ(opened->value(), round);
    sink.Stop();
  }
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(WebhookSinkTest, SendAfterStopIsFatal) {
  RecordingServer server;
  WebhookSink sink("stopped", ConfigFor(server.url(), true));
  ASSERT_TRUE(sink.Start().ok());
  sink.Stop();
  auto outcomes = SendAndWait(sink, {MakeMessage("1", 1)});
  EXPECT_EQ(outcomes[0].retry(), Retry::kFatal);
  EXPECT_TRUE(server.requests().empty());
}

}  // namespace
}  // namespace sluice
