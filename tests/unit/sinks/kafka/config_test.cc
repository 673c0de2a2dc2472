// ParseKafkaConfig / ParseEventHubConfig: YAML in, typed config or every error out.
#include "sinks/kafka/config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace sluice {
namespace {

class KafkaConfigTest : public ::testing::Test {
 protected:
  ConfigNode Load(const std::string& yaml) {
    return ConfigNode(YAML::Load(yaml), "s.yaml", "sinks[0].destination", errors_);
  }
  std::shared_ptr<ConfigErrors> errors_ = std::make_shared<ConfigErrors>();
  Config config_;
};

TEST_F(KafkaConfigTest, ReadsEveryField) {
  ConfigNode node = Load(R"(
type: kafka
hosts: [a:9092, b:9092]
topic: "sluice.{schema}.{table}"
key: "{pks}"
tls: {ca_file: /etc/ca.pem}
sasl_mechanism: scram_sha_512
username: u
password: p
compression: zstd
create_topic: true
topic_partitions: 6
connect_timeout: 3s
max_in_flight: 8
producer: {linger.ms: 20, batch.size: 500000}
)");
  auto config = ParseKafkaConfig(node, config_);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->hosts, "a:9092,b:9092");
  Message m;
  m.schema_name = "public";
  m.table_name = "orders";
  m.record_pks = {"1", "2"};
  EXPECT_EQ(config->topic.Render(m), "sluice.public.orders");
  ASSERT_TRUE(config->key.has_value());
  EXPECT_EQ(config->key->Render(m), "1:2");
  EXPECT_TRUE(config->tls.enabled);
  EXPECT_TRUE(config->tls.verify);
  EXPECT_EQ(config->tls.ca_file, "/etc/ca.pem");
  EXPECT_EQ(config->sasl_mechanism, "SCRAM-SHA-512");
  EXPECT_EQ(config->compression, "zstd");
  EXPECT_TRUE(config->create_topic);
  EXPECT_EQ(config->topic_partitions, 6);
  EXPECT_EQ(config->connect_timeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(config->max_in_flight, 8);
  EXPECT_EQ(config->producer.at("linger.ms"), "20");
  EXPECT_TRUE(errors_->empty());
}

TEST_F(KafkaConfigTest, DefaultsAreSafe) {
  ConfigNode node = Load("type: kafka\nhosts: localhost:9092\ntopic: orders\ntls: true\n");
  auto config = ParseKafkaConfig(node, config_);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_TRUE(config->tls.enabled);
  EXPECT_TRUE(config->tls.verify) << "certificates are verified unless asked otherwise";
  EXPECT_FALSE(config->create_topic);
  EXPECT_FALSE(config->key.has_value());
  EXPECT_EQ(config->compression, "none");
  EXPECT_TRUE(config->topic.is_literal());
}

TEST_F(KafkaConfigTest, ReportsEveryProblemWithItsPath) {
  ConfigNode node = Load(R"(
type: kafka
topic: "x.{tabel}"
sasl_mechanism: kerberos
compression: brotli
producer: {no.such.property: 1}
extra: 1
)");
  auto config = ParseKafkaConfig(node, config_);
  ASSERT_FALSE(config.has_value());
  const std::string& message = config.error().message();
  EXPECT_EQ(config.error().retry(), Retry::kFatal);
  for (const char* expected :
       {"sinks[0].destination.hosts", "unknown placeholder {tabel}", "sasl_mechanism",
        "compression", "no.such.property", "sinks[0].destination.extra"}) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << " in:\n" << message;
  }
}

TEST_F(KafkaConfigTest, SaslNeedsCredentialsAndCredentialsNeedSasl) {
  ConfigNode with_sasl = Load("type: kafka\nhosts: h:1\ntopic: t\nsasl_mechanism: plain\n");
  auto a = ParseKafkaConfig(with_sasl, config_);
  ASSERT_FALSE(a.has_value());
  EXPECT_NE(a.error().message().find("username"), std::string::npos);
  ConfigNode without = Load("type: kafka\nhosts: h:1\ntopic: t\nusername: u\npassword: p\n");
  auto b = ParseKafkaConfig(without, config_);
  ASSERT_FALSE(b.has_value());
  EXPECT_NE(b.error().message().find("needs sasl_mechanism"), std::string::npos);
}

TEST_F(KafkaConfigTest, EventHubBecomesSaslPlainOverTlsWithTheConnectionString) {
  ConfigNode node = Load(R"(
type: azure_event_hub
namespace: myns
event_hub_name: orders
shared_access_key_name: RootManageSharedAccessKey
shared_access_key: k3y
)");
  auto config = ParseEventHubConfig(node, config_);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->hosts, "myns.servicebus.windows.net:9093");
  EXPECT_EQ(config->topic.Render(Message{}), "orders");
  EXPECT_TRUE(config->tls.enabled);
  EXPECT_TRUE(config->tls.verify);
  EXPECT_EQ(config->sasl_mechanism, "PLAIN");
  EXPECT_EQ(config->username, "$ConnectionString");
  EXPECT_EQ(config->password,
            "Endpoint=sb://myns.servicebus.windows.net/;SharedAccessKeyName="
            "RootManageSharedAccessKey;SharedAccessKey=k3y");
  EXPECT_FALSE(config->key.has_value()) << "partition key = group key";
}

TEST_F(KafkaConfigTest, EventHubNeedsItsFields) {
  ConfigNode node = Load("type: azure_event_hub\nnamespace: n\n");
  auto config = ParseEventHubConfig(node, config_);
  ASSERT_FALSE(config.has_value());
  for (const char* field : {"event_hub_name", "shared_access_key_name", "shared_access_key"}) {
    EXPECT_NE(config.error().message().find(field), std::string::npos) << field;
  }
}

}  // namespace
}  // namespace sluice
