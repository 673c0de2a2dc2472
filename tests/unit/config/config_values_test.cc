// What ParseConfig/LoadConfigFile put into Config: every key of the spec example, defaults.
#include <gtest/gtest.h>

#include <cstdlib>

#include "config/config.h"
#include "unit/config/test_destinations.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;

Config ParseOk(const std::string& yaml) {
  Result<Config> config = ParseConfig(yaml, "test.yaml", testing::ValidateTestDestination);
  EXPECT_TRUE(config.has_value()) << config.error().message();
  return config.has_value() ? std::move(config).value() : Config();
}

TEST(ConfigValuesTest, SpecExampleFillsEveryField) {
  setenv("SLUICE_TEST_PASSWORD", "s3cret-value", 1);
  setenv("SLUICE_TEST_PORT", "6543", 1);
  unsetenv("HOOK_TOKEN");
  Result<Config> loaded =
      LoadConfigFile(SLUICE_SOURCE_DIR "/tests/unit/config/cases/spec_example.yaml",
                     testing::ValidateTestDestination);
  ASSERT_TRUE(loaded.has_value()) << loaded.error().message();
  const Config& config = *loaded;

  ASSERT_EQ(config.databases.size(), 1u);
  const DatabaseConfig& db = config.databases[0];
  EXPECT_EQ(db.name, "app");
  EXPECT_EQ(db.port, 6543);
  EXPECT_EQ(db.password, "s3cret-value");
  EXPECT_EQ(db.ssl.mode, "disable");
  EXPECT_EQ(db.slot.name, "sluice_slot");
  EXPECT_EQ(db.publication.name, "sluice_pub");
  EXPECT_EQ(db.heartbeat_interval, 15s);

  ASSERT_NE(config.FindHttpEndpoint("orders-service"), nullptr);
  EXPECT_EQ(config.FindHttpEndpoint("orders-service")->headers.at("Authorization"), "Bearer none");

  ASSERT_EQ(config.functions.size(), 2u);
  EXPECT_EQ(config.functions[0].code, "return record.total > 100\n");
  EXPECT_EQ(config.functions[1].type, "routing");
  EXPECT_EQ(config.functions[1].code, "return {topic = \"orders.\" .. record.customer}\n");

  ASSERT_EQ(config.sinks.size(), 2u);
  const SinkConfig& kafka = config.sinks[0];
  EXPECT_EQ(kafka.database, "app");
  EXPECT_EQ(kafka.source.include_tables,
            (std::vector<std::string>{"public.orders", "public.order_items"}));
  ASSERT_EQ(kafka.tables.size(), 1u);
  EXPECT_EQ(kafka.tables[0].group_column_names, std::vector<std::string>{"customer_id"});
  EXPECT_EQ(kafka.actions,
            (std::set<Action>{Action::kInsert, Action::kUpdate, Action::kDelete, Action::kRead}));
  EXPECT_EQ(kafka.where, "status <> 'draft' AND total > 0");
  EXPECT_EQ(kafka.filter, "big-orders");
  EXPECT_EQ(kafka.transform, "");
  EXPECT_EQ(kafka.routing, "by-customer");
  EXPECT_FALSE(kafka.max_retry_count.has_value());
  EXPECT_EQ(kafka.dead_letter, "");
  EXPECT_FALSE(kafka.initial_backfill_all);
  EXPECT_EQ(kafka.destination_type, "kafka");
  ASSERT_TRUE(kafka.destination.has_value());
  EXPECT_EQ(kafka.destination->path(), "sinks[0].destination");

  const SinkConfig& hooks = config.sinks[1];
  EXPECT_EQ(hooks.database, "app");  // the only database
  EXPECT_EQ(hooks.actions, (std::set<Action>{Action::kInsert, Action::kTruncate, Action::kRead}));
  EXPECT_EQ(hooks.encoding.message_format, "debezium");
  EXPECT_TRUE(hooks.encoding.numeric_as_number);
  EXPECT_TRUE(hooks.encoding.bytea_base64);
  EXPECT_TRUE(hooks.encoding.timestamp_unix_microsecond);
  EXPECT_EQ(hooks.batch_size, 10);
  EXPECT_EQ(hooks.batch_timeout, 250ms);
  EXPECT_EQ(hooks.batch_max_bytes, 65536);
  EXPECT_EQ(hooks.max_retry_count, 5);
  EXPECT_EQ(hooks.dead_letter, "orders-to-kafka");
  EXPECT_EQ(hooks.retry.initial_backoff, 500ms);
  EXPECT_EQ(hooks.retry.max_backoff, 2min);
  ASSERT_EQ(hooks.initial_backfill.size(), 2u);
  EXPECT_EQ(hooks.initial_backfill[0].table, "public.orders");
  EXPECT_EQ(hooks.initial_backfill[0].where, "created_at > now() - interval '1 day'");
  EXPECT_EQ(hooks.initial_backfill[1].where, "");
}

TEST(ConfigValuesTest, EmptyFileGivesDefaults) {
  Config config = ParseOk("");
  EXPECT_EQ(config.server.listen, "127.0.0.1:7433");
  EXPECT_EQ(config.server.data_dir, "./sluice-data");
  EXPECT_EQ(config.server.log_format, "text");
  EXPECT_TRUE(config.databases.empty());
  EXPECT_TRUE(config.sinks.empty());
}

TEST(ConfigValuesTest, SinkDefaults) {
  Config config = ParseOk(
      "databases: [{name: db, database: app}]\n"
      "sinks: [{name: s, destination: {type: stdout}}]\n");
  ASSERT_EQ(config.sinks.size(), 1u);
  const SinkConfig& sink = config.sinks[0];
  EXPECT_EQ(sink.database, "db");
  EXPECT_EQ(sink.actions,
            (std::set<Action>{Action::kInsert, Action::kUpdate, Action::kDelete, Action::kRead}));
  EXPECT_EQ(sink.encoding.message_format, "sequin");
  EXPECT_FALSE(sink.encoding.numeric_as_number);
  EXPECT_TRUE(sink.message_grouping);
  EXPECT_EQ(sink.batch_size, 100);
  EXPECT_EQ(sink.batch_timeout, 5ms);
  EXPECT_EQ(sink.retry.initial_backoff, 1s);
  EXPECT_EQ(sink.retry.max_backoff, 60s);
  EXPECT_FALSE(sink.max_retry_count.has_value());
  const DatabaseConfig& db = config.databases[0];
  EXPECT_EQ(db.hostname, "localhost");
  EXPECT_EQ(db.port, 5432);
  EXPECT_EQ(db.username, "postgres");
  EXPECT_TRUE(db.slot.create_if_not_exists);
}

TEST(ConfigValuesTest, SslTrueMeansRequireAndMapSetsRootCert) {
  Config config = ParseOk(
      "databases:\n"
      "  - {name: a, database: a, ssl: true}\n"
      "  - {name: b, database: b, ssl: {mode: verify-full, root_cert: /etc/ca.pem}}\n");
  ASSERT_EQ(config.databases.size(), 2u);
  EXPECT_EQ(config.databases[0].ssl.mode, "require");
  EXPECT_EQ(config.databases[1].ssl.mode, "verify-full");
  EXPECT_EQ(config.databases[1].ssl.root_cert, "/etc/ca.pem");
}

TEST(ConfigValuesTest, InitialBackfillTrueMeansAllTables) {
  Config config = ParseOk(
      "databases: [{name: db, database: app}]\n"
      "sinks: [{name: s, initial_backfill: true, destination: {type: stdout}}]\n");
  EXPECT_TRUE(config.sinks.at(0).initial_backfill_all);
  EXPECT_TRUE(config.sinks.at(0).initial_backfill.empty());
}

TEST(ConfigValuesTest, ErrorsListEveryProblemAsOneStatus) {
  Result<Config> config =
      ParseConfig("server: {listen: nope, data_dir: ''}\nextra: 1\n", "x.yaml", nullptr);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().retry(), Retry::kFatal);
  EXPECT_EQ(config.error().message(),
            "x.yaml:1:10: server.listen: expected host:port with a port from 1 to 65535 (e.g. "
            "127.0.0.1:7433)\n"
            "x.yaml:1:24: server.data_dir: must not be empty\n"
            "x.yaml:2:1: extra: unknown key");
}

TEST(ConfigValuesTest, NullValidatorSkipsDestinationFields) {
  Result<Config> config = ParseConfig(
      "databases: [{name: db, database: app}]\n"
      "sinks: [{name: s, destination: {type: kafka, anything: 1}}]\n",
      "x.yaml", nullptr);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  EXPECT_EQ(config->sinks[0].destination_type, "kafka");
}

TEST(ConfigValuesTest, MissingFileIsAnErrorNamingIt) {
  Result<Config> config = LoadConfigFile("/nonexistent/sluice.yaml", nullptr);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message(),
            "cannot read /nonexistent/sluice.yaml: No such file or directory");
}

TEST(ConfigValuesTest, NonLoopbackListenWithTokensIsAccepted) {
  Config config = ParseOk("server: {listen: '[::]:8080', api_tokens: [abc]}\n");
  EXPECT_EQ(config.server.listen, "[::]:8080");
  EXPECT_EQ(config.server.api_tokens, std::vector<std::string>{"abc"});
}

}  // namespace
}  // namespace sluice
