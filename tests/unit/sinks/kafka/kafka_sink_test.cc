// The kafka sink against a real broker (scripts/kafka/start.sh, started once per binary).
#include "sinks/kafka/kafka_sink.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <map>
#include <set>

#include "testlib/sink_messages.h"
#include "unit/sinks/kafka/kafka_broker.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::CreateTopic;
using testing::KafkaBroker;
using testing::MakeMessage;
using testing::ReadTopic;
using testing::SendAndWait;

std::string UniqueTopic(const std::string& base) {
  static std::atomic<int> n{0};
  return base + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

KafkaConfig BaseConfig(const std::string& topic) {
  KafkaConfig config;
  config.hosts = KafkaBroker::Get().bootstrap();
  config.topic = RouteTemplate::Compile(topic).value();
  config.connect_timeout = 10s;
  return config;
}

size_t CountOk(const std::vector<Status>& outcomes) {
  size_t ok = 0;
  for (const auto& s : outcomes) ok += s.ok() ? 1 : 0;
  return ok;
}

class KafkaSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { SLUICE_REQUIRE_KAFKA(); }
};

TEST_F(KafkaSinkTest, DeliversKeysHeadersAndPerKeyOrderForInsertsUpdatesDeletes) {
  std::string topic = UniqueTopic("orders");
  ASSERT_EQ(CreateTopic(topic, 4), "");
  KafkaSink sink("orders", BaseConfig(topic));
  ASSERT_TRUE(sink.Start().ok());

  // 20 keys, each: insert, 8 updates, delete; spread over several batches in flight at once.
  std::vector<Batch> batches(5);
  Lsn lsn = 1000;
  for (int step = 0; step < 10; ++step) {
    Action action = step == 0 ? Action::kInsert : step == 9 ? Action::kDelete : Action::kUpdate;
    for (int key = 0; key < 20; ++key) {
      batches[step / 2].push_back(
          MakeMessage("orders", "k" + std::to_string(key), action, ++lsn, 0));
    }
  }
  std::vector<testing::Outcomes> outcomes(batches.size());
  for (size_t b = 0; b < batches.size(); ++b) sink.Send(batches[b], outcomes[b].Callback());
  for (auto& o : outcomes) {
    ASSERT_TRUE(o.Wait(30s));
    auto statuses = o.Get();
    EXPECT_EQ(CountOk(statuses), statuses.size());
    EXPECT_EQ(o.calls(), 1);
  }
  ASSERT_TRUE(sink.Flush(5s).ok());

  auto records = ReadTopic(topic, 200, 30s, 4);
  ASSERT_EQ(records.size(), 200u);
  std::map<std::string, std::vector<testing::ConsumedRecord>> by_key;
  for (auto& r : records) by_key[r.key].push_back(r);
  ASSERT_EQ(by_key.size(), 20u);
  std::set<int32_t> partitions_used;
  for (auto& [key, list] : by_key) {
    ASSERT_EQ(list.size(), 10u) << key;
    Lsn previous = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& r = list[i];
      EXPECT_EQ(r.partition, list[0].partition) << "one key, one partition";
      Lsn lsn_of = std::stoull(r.headers.at("idempotency_key"));
      EXPECT_GT(lsn_of, previous) << "per-key order broken for " << key;
      previous = lsn_of;
      EXPECT_EQ(r.headers.at("table"), "public.orders");
      std::string want = i == 0 ? "insert" : i == 9 ? "delete" : "update";
      EXPECT_EQ(r.headers.at("action"), want);
      EXPECT_NE(r.value.find("\"action\":\"" + want + "\""), std::string::npos);
    }
    partitions_used.insert(list[0].partition);
  }
  EXPECT_GT(partitions_used.size(), 1u) << "keys should spread over partitions";
}

TEST_F(KafkaSinkTest, BatchesManyMessagesIntoFewRecordBatches) {
  std::string topic = UniqueTopic("batched");
  ASSERT_EQ(CreateTopic(topic, 1), "");
  KafkaSink sink("batched", BaseConfig(topic));
  ASSERT_TRUE(sink.Start().ok());
  Batch batch;
  for (int i = 0; i < 2000; ++i) {
    batch.push_back(
        MakeMessage("t", "k" + std::to_string(i % 50), Action::kInsert, 5000 + i, 0, 100));
  }
  auto statuses = SendAndWait(sink, batch);
  ASSERT_EQ(CountOk(statuses), 2000u);
  sink.Stop();

  // Ask the broker's own tool how the records were stored: one line per record batch.
  std::string out;
  std::string cmd = "java -cp \"$(" + std::string(SLUICE_SOURCE_DIR) +
                    "/scripts/kafka/fetch.sh)/*\" kafka.tools.DumpLogSegments --files " +
                    KafkaBroker::Get().dir() + "/data/" + topic + "-0/00000000000000000000.log";
  ASSERT_EQ(testing::RunCommand(cmd, &out), 0) << out;
  size_t record_batches = 0;
  for (size_t pos = 0; (pos = out.find("baseOffset:", pos)) != std::string::npos; ++pos) {
    ++record_batches;
  }
  ASSERT_GT(record_batches, 0u) << out;
  EXPECT_LE(record_batches, 2000u / 20) << "expected >= 20 records per batch on average";
}

TEST_F(KafkaSinkTest, OversizeMessageIsDeadLetteredWithTheBrokersReasonOthersDelivered) {
  std::string topic = UniqueTopic("small");
  ASSERT_EQ(CreateTopic(topic, 1, {{"max.message.bytes", "20000"}}), "");
  KafkaConfig config = BaseConfig(topic);
  // Batches must fit the topic's limit, or small messages would share a big one's fate.
  config.producer["batch.size"] = "16000";
  KafkaSink sink("small", std::move(config));
  ASSERT_TRUE(sink.Start().ok());
  Batch batch = {MakeMessage("t", "a", Action::kInsert, 10, 0),
                 MakeMessage("t", "b", Action::kInsert, 10, 1, 50000),
                 MakeMessage("t", "c", Action::kInsert, 10, 2)};
  auto statuses = SendAndWait(sink, batch);
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].message();
  EXPECT_EQ(statuses[1].retry(), Retry::kPermanent) << statuses[1].message();
  EXPECT_NE(statuses[1].message().find("Message size too large"), std::string::npos)
      << statuses[1].message();
  EXPECT_TRUE(statuses[2].ok()) << statuses[2].message();

  // The producer keeps working after the refusal.
  auto later = SendAndWait(sink, {MakeMessage("t", "d", Action::kInsert, 11, 0)});
  ASSERT_EQ(later.size(), 1u);
  EXPECT_TRUE(later[0].ok()) << later[0].message();
  auto records = ReadTopic(topic, 3, 20s, 1);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].key, "a");
  EXPECT_EQ(records[1].key, "c");
  EXPECT_EQ(records[2].key, "d");
}

TEST_F(KafkaSinkTest, MissingTopicIsFatalAndNamesTheTopic) {
  KafkaSink sink("missing", BaseConfig("no-such-topic-here"));
  Status status = sink.Start();
  EXPECT_EQ(status.retry(), Retry::kFatal);
  EXPECT_NE(status.message().find("\"no-such-topic-here\" does not exist"), std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("create_topic: true"), std::string::npos);
}

TEST_F(KafkaSinkTest, CreateTopicCreatesAMissingTopic) {
  std::string topic = UniqueTopic("created");
  KafkaConfig config = BaseConfig(topic);
  config.create_topic = true;
  config.topic_partitions = 2;
  KafkaSink sink("created", std::move(config));
  ASSERT_TRUE(sink.Start().ok());
  auto statuses = SendAndWait(sink, {MakeMessage("t", "x", Action::kInsert, 1, 0)});
  ASSERT_EQ(CountOk(statuses), 1u);
  EXPECT_EQ(ReadTopic(topic, 1, 20s, 2).size(), 1u);
}

TEST_F(KafkaSinkTest, TopicTemplateRoutesEachTableToItsTopic) {
  std::string prefix = UniqueTopic("cdc");
  KafkaConfig config = BaseConfig(prefix + ".{schema}.{table}");
  config.create_topic = true;
  config.topic_partitions = 1;
  config.key = RouteTemplate::Compile("{table}/{pks}").value();
  KafkaSink sink("routed", std::move(config));
  ASSERT_TRUE(sink.Start().ok());
  auto statuses = SendAndWait(sink, {MakeMessage("users", "1", Action::kInsert, 1, 0),
                                     MakeMessage("orders", "7", Action::kInsert, 1, 1),
                                     MakeMessage("users", "2", Action::kInsert, 1, 2)});
  ASSERT_EQ(CountOk(statuses), 3u);
  auto users = ReadTopic(prefix + ".public.users", 2, 20s, 1);
  auto orders = ReadTopic(prefix + ".public.orders", 1, 20s, 1);
  ASSERT_EQ(users.size(), 2u);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(users[0].key, "users/1");
  EXPECT_EQ(orders[0].key, "orders/7");
}

KafkaConfig SaslConfig(const std::string& topic, std::string mechanism, std::string user,
                       std::string password) {
  KafkaConfig config = BaseConfig(topic);
  config.hosts = KafkaBroker::Get().sasl_bootstrap();
  config.sasl_mechanism = std::move(mechanism);
  config.username = std::move(user);
  config.password = std::move(password);
  return config;
}

TEST_F(KafkaSinkTest, DeliversOverSaslPlain) {
  std::string topic = UniqueTopic("sasl");
  ASSERT_EQ(CreateTopic(topic, 1), "");
  KafkaSink sink("sasl", SaslConfig(topic, "PLAIN", "sluice", "sluice-secret"));
  Status started = sink.Start();
  ASSERT_TRUE(started.ok()) << started.message();
  auto statuses = SendAndWait(sink, {MakeMessage("t", "plain", Action::kInsert, 1, 0)});
  EXPECT_EQ(CountOk(statuses), 1u);
  auto records = ReadTopic(topic, 1, 20s, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "plain");
}

TEST_F(KafkaSinkTest, EventHubConfigDeliversThroughSaslPlainWithTheConnectionString) {
  std::string topic = UniqueTopic("hub");
  ASSERT_EQ(CreateTopic(topic, 3), "");
  // The broker's PLAIN listener knows "$ConnectionString" with this namespace's connection
  // string as its password (scripts/kafka/start.sh); TLS is off only because it is local.
  std::string yaml = "type: azure_event_hub\nnamespace: sluice-test\nevent_hub_name: " + topic +
                     "\nshared_access_key_name: RootManageSharedAccessKey\n"
                     "shared_access_key: test-key\ntls: false\nhosts: " +
                     KafkaBroker::Get().sasl_bootstrap() + "\n";
  ConfigNode node(YAML::Load(yaml), "t.yaml", "destination", std::make_shared<ConfigErrors>());
  auto config = ParseEventHubConfig(node, Config{});
  ASSERT_TRUE(config.has_value()) << config.error().message();
  KafkaSink sink("hub", std::move(*config));
  Status started = sink.Start();
  ASSERT_TRUE(started.ok()) << started.message();
  Batch batch;
  for (int i = 0; i < 30; ++i) {
    batch.push_back(MakeMessage("t", "k" + std::to_string(i % 5), Action::kInsert, 100 + i, 0));
  }
  ASSERT_EQ(CountOk(SendAndWait(sink, batch)), 30u);
  auto records = ReadTopic(topic, 30, 20s, 3);
  ASSERT_EQ(records.size(), 30u);
  std::map<std::string, int32_t> partition_of;
  for (const auto& r : records) {
    auto [it, inserted] = partition_of.emplace(r.key, r.partition);
    EXPECT_EQ(it->second, r.partition) << "partition key = group key";
  }
  EXPECT_EQ(partition_of.size(), 5u);
}

TEST_F(KafkaSinkTest, WrongPasswordIsFatalWithAClearMessageThatHidesThePassword) {
  std::string topic = UniqueTopic("auth");
  ASSERT_EQ(CreateTopic(topic, 1), "");
  KafkaSink sink("auth", SaslConfig(topic, "PLAIN", "sluice", "wrong-password"));
  auto started_at = std::chrono::steady_clock::now();
  Status status = sink.Start();
  EXPECT_EQ(status.retry(), Retry::kFatal) << status.message();
  EXPECT_NE(status.message().find("refused the credentials of user \"sluice\""), std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find("wrong-password"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started_at, 9s) << "should not wait for a timeout";
}

// Sends one message with key `key` through `config` and checks it arrived in `topic` on `broker`.
void ExpectDelivered(const std::string& topic, KafkaConfig config, const std::string& key,
                     const KafkaBroker& broker = KafkaBroker::Get()) {
  KafkaSink sink(key, std::move(config));
  Status started = sink.Start();
  ASSERT_TRUE(started.ok()) << started.message();
  auto statuses = SendAndWait(sink, {MakeMessage("t", key, Action::kInsert, 1, 0)});
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_TRUE(statuses[0].ok()) << statuses[0].message();
  auto records = ReadTopic(topic, 1, 20s, 1, broker);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, key);
}

KafkaConfig ScramConfig(const std::string& topic, std::string mechanism, std::string password) {
  KafkaConfig config = SaslConfig(topic, std::move(mechanism), "alice", std::move(password));
  config.hosts = KafkaBroker::Get().scram_bootstrap();
  return config;
}

// librdkafka before 2.6.1 sends a SCRAM nonce that Kafka 4.x refuses (client.cc).
bool ScramWorksWithThisBroker() { return rd_kafka_version() >= 0x02060100; }

// Where SCRAM delivery is proven: the default Kafka 4.x broker, or for a librdkafka older than
// 2.6.1 a Kafka 3.x broker, which accepts its nonce.
KafkaBroker& ScramBroker() {
  return ScramWorksWithThisBroker() ? KafkaBroker::Get() : KafkaBroker::Kafka3();
}

// Fails the current test (fatally) when `broker` is not up.
#define SLUICE_REQUIRE_BROKER(broker) \
  ASSERT_EQ((broker).error(), "") << "no Kafka " << (broker).version() << " broker"

TEST_F(KafkaSinkTest, DeliversOverSaslScram) {
  KafkaBroker& broker = ScramBroker();
  SLUICE_REQUIRE_BROKER(broker);
  SCOPED_TRACE("librdkafka " + std::string(rd_kafka_version_str()) + ", Kafka " +
               (broker.version().empty() ? "4.x" : broker.version()));
  for (std::string mechanism : {"scram_sha_256", "scram_sha_512"}) {
    std::string topic = UniqueTopic(mechanism);
    ASSERT_EQ(CreateTopic(topic, 1, {}, broker), "");
    // Through the parser, as a user would write it.
    std::string yaml = "type: kafka\nhosts: " + broker.scram_bootstrap() + "\ntopic: " + topic +
                       "\nsasl_mechanism: " + mechanism +
                       "\nusername: alice\npassword: alice-secret\n";
    ConfigNode node(YAML::Load(yaml), "t.yaml", "destination", std::make_shared<ConfigErrors>());
    auto config = ParseKafkaConfig(node, Config{});
    ASSERT_TRUE(config.has_value()) << config.error().message();
    ExpectDelivered(topic, std::move(*config), mechanism, broker);
  }
}

TEST_F(KafkaSinkTest, ScramLoginWithOldLibrdkafkaIsFatalAndExplainsWhy) {
  if (ScramWorksWithThisBroker()) {
    GTEST_SKIP() << "librdkafka " << rd_kafka_version_str() << " logs in with SCRAM";
  }
  std::string topic = UniqueTopic("scram-old");
  ASSERT_EQ(CreateTopic(topic, 1), "");
  for (std::string mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-512"}) {
    // The right password: the broker knows alice (the same login works with newer clients).
    KafkaSink sink("scram-old", ScramConfig(topic, mechanism, "alice-secret"));
    Status status = sink.Start();
    EXPECT_EQ(status.retry(), Retry::kFatal) << status.message();
    EXPECT_NE(status.message().find("refused the credentials of user \"alice\" (" + mechanism),
              std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("is older than 2.6.1"), std::string::npos) << status.message();
  }
}

// A wrong SCRAM password on `broker`'s SCRAM listener: fatal, quickly, password hidden.
void ExpectWrongScramPasswordFatal(const KafkaBroker& broker) {
  std::string topic = UniqueTopic("scram-auth");
  ASSERT_EQ(CreateTopic(topic, 1, {}, broker), "");
  // Through the parser: sasl_mechanism as a user writes it.
  std::string yaml = "type: kafka\nhosts: " + broker.scram_bootstrap() + "\ntopic: " + topic +
                     "\nsasl_mechanism: scram_sha_256\nusername: alice\n"
                     "password: not-alices-password\n";
  ConfigNode node(YAML::Load(yaml), "t.yaml", "destination", std::make_shared<ConfigErrors>());
  auto config = ParseKafkaConfig(node, Config{});
  ASSERT_TRUE(config.has_value()) << config.error().message();
  KafkaSink sink("scram-auth", std::move(*config));
  auto started_at = std::chrono::steady_clock::now();
  Status status = sink.Start();
  EXPECT_EQ(status.retry(), Retry::kFatal) << status.message();
  EXPECT_NE(status.message().find("refused the credentials of user \"alice\" (SCRAM-SHA-256)"),
            std::string::npos)
      << status.message();
  EXPECT_NE(status.message().find("check username and password"), std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find("not-alices-password"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started_at, 9s) << "should not wait for a timeout";
}

TEST_F(KafkaSinkTest, WrongScramPasswordIsFatalWithAClearMessageThatHidesThePassword) {
  ExpectWrongScramPasswordFatal(KafkaBroker::Get());
}

// Kafka 3.x accepts the SCRAM login of every librdkafka: a wrong password is still refused.
TEST_F(KafkaSinkTest, WrongScramPasswordIsFatalOnKafka3) {
  SLUICE_REQUIRE_BROKER(KafkaBroker::Kafka3());
  ExpectWrongScramPasswordFatal(KafkaBroker::Kafka3());
}

KafkaConfig TlsConfig(const std::string& topic, bool verify, std::string ca_file) {
  KafkaConfig config = BaseConfig(topic);
  config.hosts = KafkaBroker::Get().ssl_bootstrap();
  config.tls.enabled = true;
  config.tls.verify = verify;
  config.tls.ca_file = std::move(ca_file);
  return config;
}

TEST_F(KafkaSinkTest, DeliversOverTlsVerifyingTheBrokerAgainstTheCa) {
  std::string topic = UniqueTopic("tls");
  ASSERT_EQ(CreateTopic(topic, 1), "");
  // Through the parser: a mapping turns TLS on with verification (the default).
  std::string yaml = "type: kafka\nhosts: " + KafkaBroker::Get().ssl_bootstrap() +
                     "\ntopic: " + topic + "\ntls: {ca_file: " + KafkaBroker::Get().ca_file() +
                     "}\n";
  ConfigNode node(YAML::Load(yaml), "t.yaml", "destination", std::make_shared<ConfigErrors>());
  auto config = ParseKafkaConfig(node, Config{});
  ASSERT_TRUE(config.has_value()) << config.error().message();
  ASSERT_TRUE(config->tls.enabled);
  ASSERT_TRUE(config->tls.verify);
  ExpectDelivered(topic, std::move(*config), "tls-verified");
}

TEST_F(KafkaSinkTest, UntrustedBrokerCertificateIsFatalAndAcceptedOnlyWithVerifyOff) {
  std::string topic = UniqueTopic("tls-untrusted");
  ASSERT_EQ(CreateTopic(topic, 1), "");
  // A CA of our own that never signed the broker's certificate.
  std::string other_ca = KafkaBroker::Get().dir() + "/other-ca.pem";
  std::string out;
  ASSERT_EQ(testing::RunCommand("openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                                "-subj '/CN=some other CA' -keyout " +
                                    KafkaBroker::Get().dir() + "/other-ca.key -out " + other_ca,
                                &out),
            0)
      << out;
  {
    KafkaSink sink("tls-untrusted", TlsConfig(topic, true, other_ca));
    auto started_at = std::chrono::steady_clock::now();
    Status status = sink.Start();
    EXPECT_EQ(status.retry(), Retry::kFatal) << status.message();
    EXPECT_NE(status.message().find("TLS with the brokers failed"), std::string::npos)
        << status.message();
    EXPECT_NE(status.message().find("certificate verify failed"), std::string::npos)
        << status.message();
    EXPECT_LT(std::chrono::steady_clock::now() - started_at, 9s) << "should not wait for a timeout";
  }
  // The same broker and the same wrong CA, with verification off: accepted.
  ExpectDelivered(topic, TlsConfig(topic, false, other_ca), "tls-unverified");
}

TEST_F(KafkaSinkTest, BrokerRestartLosesNothingAndAcknowledgesOnlyAfterTheBrokerIsBack) {
  std::string topic = UniqueTopic("outage");
  ASSERT_EQ(CreateTopic(topic, 2), "");
  KafkaSink sink("outage", BaseConfig(topic));
  ASSERT_TRUE(sink.Start().ok());
  Lsn lsn = 1;
  auto make_batch = [&lsn](int n) {
    Batch batch;
    for (int i = 0; i < n; ++i)
      batch.push_back(MakeMessage("t", "k" + std::to_string(i % 7), Action::kUpdate, ++lsn, 0));
    return batch;
  };
  Batch before = make_batch(100);
  ASSERT_EQ(CountOk(SendAndWait(sink, before)), 100u);

  KafkaBroker::Get().StopProcess();
  Batch during = make_batch(300);
  testing::Outcomes outcomes;
  sink.Send(during, outcomes.Callback());
  EXPECT_FALSE(outcomes.Wait(4s)) << "nothing may be acknowledged while the broker is down";
  ASSERT_TRUE(KafkaBroker::Get().StartProcess()) << KafkaBroker::Get().error();
  ASSERT_TRUE(outcomes.Wait(60s));
  EXPECT_EQ(CountOk(outcomes.Get()), 300u);

  auto records = ReadTopic(topic, 400, 30s, 2);
  ASSERT_EQ(records.size(), 400u);
  std::map<std::string, Lsn> last;
  for (auto& r : records) {
    Lsn at = std::stoull(r.headers.at("idempotency_key"));
    EXPECT_GT(at, last[r.key]) << "order of " << r.key;
    last[r.key] = at;
  }
}

TEST_F(KafkaSinkTest, StopFailsUnacknowledgedMessagesAsTransientExactlyOnce) {
  std::string topic = UniqueTopic("stop");
  ASSERT_EQ(CreateTopic(topic, 1), "");
  KafkaSink sink("stop", BaseConfig(topic));
  ASSERT_TRUE(sink.Start().ok());
  KafkaBroker::Get().StopProcess();
  testing::Outcomes outcomes;
  sink.Send(
      {MakeMessage("t", "a", Action::kInsert, 1, 0), MakeMessage("t", "b", Action::kInsert, 1, 1)},
      outcomes.Callback());
  EXPECT_EQ(sink.Flush(500ms).retry(), Retry::kTransient);
  sink.Stop();
  ASSERT_TRUE(outcomes.Wait(1s));
  for (const auto& s : outcomes.Get()) EXPECT_EQ(s.retry(), Retry::kTransient) << s.message();
  EXPECT_EQ(outcomes.calls(), 1);
  ASSERT_TRUE(KafkaBroker::Get().StartProcess()) << KafkaBroker::Get().error();
}

TEST_F(KafkaSinkTest, UnreachableBrokersAreTransientAtStart) {
  KafkaConfig config = BaseConfig("any");
  config.hosts = "127.0.0.1:" + std::to_string(testing::FreePort());
  config.connect_timeout = 1500ms;
  KafkaSink sink("down", std::move(config));
  Status status = sink.Start();
  EXPECT_EQ(status.retry(), Retry::kTransient) << status.message();
  EXPECT_NE(status.message().find("no broker answered"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace sluice
