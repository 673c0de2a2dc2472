// ParseRedisStreamConfig / ParseRedisStringConfig.
#include "sinks/redis/config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace sluice {
namespace {

class RedisConfigTest : public ::testing::Test {
 protected:
  ConfigNode Load(const std::string& yaml) {
    return ConfigNode(YAML::Load(yaml), "s.yaml", "sinks[0].destination", errors_);
  }
  std::shared_ptr<ConfigErrors> errors_ = std::make_shared<ConfigErrors>();
  Config config_;
};

TEST_F(RedisConfigTest, StreamReadsConnectionAndStreamFields) {
  ConfigNode node = Load(R"(
type: redis_stream
host: cache.internal
port: 6380
database: 3
username: cdc
password: pw
tls: {verify: false}
timeout: 2s
stream_key: "cdc.{table}"
max_len: 10000
)");
  auto config = ParseRedisStreamConfig(node, config_);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->kind, RedisConfig::Kind::kStream);
  EXPECT_EQ(config->host, "cache.internal");
  EXPECT_EQ(config->port, 6380);
  EXPECT_EQ(config->database, 3);
  EXPECT_EQ(config->username, "cdc");
  EXPECT_TRUE(config->tls.enabled);
  EXPECT_FALSE(config->tls.verify);
  EXPECT_EQ(config->timeout, std::chrono::milliseconds(2000));
  Message m;
  m.table_name = "users";
  EXPECT_EQ(config->stream_key.Render(m), "cdc.users");
  EXPECT_EQ(config->max_len, 10000);
}

TEST_F(RedisConfigTest, StringDefaultsToPrefixedSchemaTablePkKeys) {
  ConfigNode node = Load("type: redis_string\nexpire_ms: 5000\n");
  auto config = ParseRedisStringConfig(node, config_);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->host, "localhost");
  EXPECT_EQ(config->port, 6379);
  EXPECT_FALSE(config->tls.enabled);
  EXPECT_EQ(config->key_prefix, "sluice");
  Message m;
  m.schema_name = "public";
  m.table_name = "users";
  m.record_pks = {"7", "x"};
  EXPECT_EQ(config->key.Render(m), "public.users:7:x");
  EXPECT_EQ(config->expire_ms, 5000);
}

TEST_F(RedisConfigTest, ReportsEveryProblem) {
  ConfigNode node = Load(R"(
type: redis_stream
port: 70000
username: u
max_len: 0
stream_key: "{nope}"
unknown: 1
)");
  auto config = ParseRedisStreamConfig(node, config_);
  ASSERT_FALSE(config.has_value());
  for (const char* expected : {"port", "password", "max_len", "{nope}", "unknown"}) {
    EXPECT_NE(config.error().message().find(expected), std::string::npos)
        << expected << " in:\n"
        << config.error().message();
  }
}

TEST_F(RedisConfigTest, StreamKeyIsRequired) {
  ConfigNode node = Load("type: redis_stream\n");
  auto config = ParseRedisStreamConfig(node, config_);
  ASSERT_FALSE(config.has_value());
  EXPECT_NE(config.error().message().find("stream_key"), std::string::npos);
}

}  // namespace
}  // namespace sluice
