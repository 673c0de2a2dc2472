// The redis_stream and redis_string sinks against real redis-server processes.
#include "sinks/redis/redis_sink.h"

#include <gtest/gtest.h>

#include <map>

#include "testlib/sink_messages.h"
#include "unit/sinks/redis/redis_server.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::MakeMessage;
using testing::RedisServer;
using testing::RedisServerOptions;
using testing::SendAndWait;

RedisConfig StreamConfig(const RedisServer& server, const std::string& stream_key) {
  RedisConfig config;
  config.kind = RedisConfig::Kind::kStream;
  config.host = "127.0.0.1";
  config.port = server.port();
  config.stream_key = RouteTemplate::Compile(stream_key).value();
  config.timeout = 2s;
  return config;
}

RedisConfig StringConfig(const RedisServer& server) {
  RedisConfig config;
  config.kind = RedisConfig::Kind::kString;
  config.host = "127.0.0.1";
  config.port = server.port();
  config.key = RouteTemplate::Compile("{schema}.{table}:{pks}").value();
  config.timeout = 2s;
  return config;
}

RedisServerOptions Options(bool tls, std::string user, std::string password, bool persist) {
  RedisServerOptions options;
  options.tls = tls;
  options.acl_user = std::move(user);
  options.acl_password = std::move(password);
  options.persist = persist;
  return options;
}

size_t CountOk(const std::vector<Status>& outcomes) {
  size_t ok = 0;
  for (const auto& s : outcomes) ok += s.ok() ? 1 : 0;
  return ok;
}

class RedisSinkTest : public ::testing::Test {
 protected:
  void StartServer(RedisServerOptions options = {}) {
    std::string error;
    server_ = RedisServer::Start(std::move(options), &error);
    ASSERT_NE(server_, nullptr) << error;
  }
  std::unique_ptr<RedisServer> server_;
};

// Field name -> value of one stream entry.
std::map<std::string, std::string> EntryFields(const redisReply* entry) {
  std::map<std::string, std::string> fields;
  const redisReply* list = entry->element[1];
  for (size_t i = 0; i + 1 < list->elements; i += 2) {
    fields[list->element[i]->str] =
        std::string(list->element[i + 1]->str, list->element[i + 1]->len);
  }
  return fields;
}

TEST_F(RedisSinkTest, StreamGetsOneEntryPerMessageWithTopLevelMembersAsFields) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisSink sink("s", StreamConfig(*server_, "cdc.{table}"));
  ASSERT_TRUE(sink.Start().ok());
  Batch batch;
  Lsn lsn = 100;
  for (int step = 0; step < 5; ++step) {
    Action action = step == 0 ? Action::kInsert : step == 4 ? Action::kDelete : Action::kUpdate;
    for (int key = 0; key < 10; ++key) {
      batch.push_back(
          MakeMessage(key % 2 ? "users" : "orders", "k" + std::to_string(key), action, ++lsn, 0));
    }
  }
  auto outcomes = SendAndWait(sink, batch);
  ASSERT_EQ(CountOk(outcomes), batch.size());

  auto users = server_->Command({"XRANGE", "cdc.users", "-", "+"});
  auto orders = server_->Command({"XRANGE", "cdc.orders", "-", "+"});
  ASSERT_EQ(users->elements, 25u);
  ASSERT_EQ(orders->elements, 25u);
  auto first = EntryFields(orders->element[0]);
  EXPECT_EQ(first.at("action"), "\"insert\"");
  EXPECT_EQ(first.at("changes"), "null");
  EXPECT_EQ(first.at("record"), "{\"id\":\"k0\",\"pad\":\"\"}");
  EXPECT_NE(first.at("metadata").find("\"commit_lsn\":101"), std::string::npos);
  // Entries are in commit order, so each key's changes are too.
  std::map<std::string, int64_t> last_lsn;
  for (size_t i = 0; i < users->elements; ++i) {
    auto fields = EntryFields(users->element[i]);
    auto at = fields.at("metadata").find("\"commit_lsn\":");
    int64_t lsn_of = std::stoll(fields.at("metadata").substr(at + 13));
    EXPECT_GT(lsn_of, last_lsn[fields.at("record")]);
    last_lsn[fields.at("record")] = lsn_of;
  }
  EXPECT_EQ(EntryFields(users->element[24]).at("action"), "\"delete\"");
}

TEST_F(RedisSinkTest, StreamMaxLenTrimsApproximately) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisConfig config = StreamConfig(*server_, "capped");
  config.max_len = 10;
  RedisSink sink("capped", std::move(config));
  ASSERT_TRUE(sink.Start().ok());
  Batch batch;
  for (int i = 0; i < 1000; ++i)
    batch.push_back(MakeMessage("t", std::to_string(i), Action::kInsert, 1, i));
  ASSERT_EQ(CountOk(SendAndWait(sink, batch)), 1000u);
  auto len = server_->Command({"XLEN", "capped"});
  EXPECT_GE(len->integer, 10);
  EXPECT_LT(len->integer, 300) << "MAXLEN ~ 10 should have trimmed most of 1000 entries";
}

TEST_F(RedisSinkTest, WrongTypeAndNonObjectBodiesArePermanentOthersDelivered) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  server_->Command({"SET", "cdc.blocked", "not a stream"});
  RedisSink sink("s", StreamConfig(*server_, "cdc.{table}"));
  ASSERT_TRUE(sink.Start().ok());
  Message not_json = MakeMessage("fine", "2", Action::kInsert, 1, 1);
  not_json.body = "[1,2]";
  auto outcomes = SendAndWait(sink, {MakeMessage("fine", "1", Action::kInsert, 1, 0), not_json,
                                     MakeMessage("blocked", "3", Action::kInsert, 1, 2),
                                     MakeMessage("fine", "4", Action::kInsert, 1, 3)});
  ASSERT_EQ(outcomes.size(), 4u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_EQ(outcomes[1].retry(), Retry::kPermanent);
  EXPECT_NE(outcomes[1].message().find("not a JSON object"), std::string::npos);
  EXPECT_EQ(outcomes[2].retry(), Retry::kPermanent);
  EXPECT_NE(outcomes[2].message().find("WRONGTYPE"), std::string::npos) << outcomes[2].message();
  EXPECT_TRUE(outcomes[3].ok());
  EXPECT_EQ(server_->Command({"XLEN", "cdc.fine"})->integer, 2);
}

TEST_F(RedisSinkTest, StringSetsTheLatestRowAndDeletesOnDelete) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisSink sink("kv", StringConfig(*server_));
  ASSERT_TRUE(sink.Start().ok());
  Message latest = MakeMessage("users", "1", Action::kUpdate, 3, 0);
  auto outcomes = SendAndWait(sink, {MakeMessage("users", "1", Action::kInsert, 1, 0),
                                     MakeMessage("users", "2", Action::kInsert, 1, 1), latest,
                                     MakeMessage("users", "2", Action::kDelete, 4, 0)});
  ASSERT_EQ(CountOk(outcomes), 4u);
  auto kept = server_->Command({"GET", "sluice:public.users:1"});
  ASSERT_EQ(kept->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(kept->str, kept->len), latest.body);
  EXPECT_EQ(server_->Command({"EXISTS", "sluice:public.users:2"})->integer, 0);
  EXPECT_EQ(server_->Command({"PTTL", "sluice:public.users:1"})->integer, -1) << "no expiry asked";
}

TEST_F(RedisSinkTest, StringExpiryAndCustomKeyAndTruncateIsPermanent) {
  ASSERT_NO_FATAL_FAILURE(StartServer());
  RedisConfig config = StringConfig(*server_);
  config.key_prefix = "";
  config.key = RouteTemplate::Compile("row/{table}/{pks}").value();
  config.expire_ms = 60000;
  RedisSink sink("kv", std::move(config));
  ASSERT_TRUE(sink.Start().ok());
  auto outcomes = SendAndWait(sink, {MakeMessage("t", "9", Action::kInsert, 1, 0),
                                     MakeMessage("t", "", Action::kTruncate, 2, 0)});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].ok());
  EXPECT_EQ(outcomes[1].retry(), Retry::kPermanent);
  auto ttl = server_->Command({"PTTL", "row/t/9"});
  EXPECT_GT(ttl->integer, 50000);
  EXPECT_LE(ttl->integer, 60000);
}

TEST_F(RedisSinkTest, AclUserOverTlsWithVerifiedCertificateDelivers) {
  ASSERT_NO_FATAL_FAILURE(StartServer(Options(true, "cdc", "s3cret", false)));
  RedisConfig config = StreamConfig(*server_, "secure");
  config.port = server_->tls_port();
  config.tls.enabled = true;
  config.tls.ca_file = server_->ca_file();
  config.username = "cdc";
  config.password = "s3cret";
  config.database = 2;
  RedisSink sink("tls", std::move(config));
  Status started = sink.Start();
  ASSERT_TRUE(started.ok()) << started.message();
  ASSERT_EQ(CountOk(SendAndWait(sink, {MakeMessage("t", "1", Action::kInsert, 1, 0)})), 1u);
  // Command() opens a fresh connection (database 0), so select database 2 inside the script.
  auto in_db2 = server_->Command(
      {"EVAL", "redis.call('SELECT', 2) return redis.call('XLEN', 'secure')", "0"});
  EXPECT_EQ(in_db2->integer, 1);
}

TEST_F(RedisSinkTest, UntrustedCertificateIsFatalUnlessVerifyIsOff) {
  ASSERT_NO_FATAL_FAILURE(StartServer(Options(true, "", "", false)));
  RedisConfig config = StreamConfig(*server_, "x");
  config.port = server_->tls_port();
  config.tls.enabled = true;
  config.tls.ca_file = server_->other_ca_file();
  RedisSink strict("strict", config);
  Status status = strict.Start();
  EXPECT_EQ(status.retry(), Retry::kFatal) << status.message();
  EXPECT_NE(status.message().find("certificate rejected"), std::string::npos) << status.message();

  config.tls.verify = false;
  RedisSink lax("lax", config);
  Status lax_status = lax.Start();
  EXPECT_TRUE(lax_status.ok()) << lax_status.message();
}

TEST_F(RedisSinkTest, WrongPasswordIsFatalAndNeverShowsThePassword) {
  ASSERT_NO_FATAL_FAILURE(StartServer(Options(false, "cdc", "right", false)));
  RedisConfig config = StreamConfig(*server_, "x");
  config.username = "cdc";
  config.password = "not-the-password";
  RedisSink sink("auth", std::move(config));
  Status status = sink.Start();
  EXPECT_EQ(status.retry(), Retry::kFatal);
  EXPECT_NE(status.message().find("refused the credentials of user \"cdc\""), std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find("not-the-password"), std::string::npos);
  // Send reconnects by itself and reports the same classification per message.
  auto outcomes = SendAndWait(sink, {MakeMessage("t", "1", Action::kInsert, 1, 0)});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].retry(), Retry::kFatal);
}

TEST_F(RedisSinkTest, OutageIsTransientAndTheSinkReconnectsWithoutARestart) {
  ASSERT_NO_FATAL_FAILURE(StartServer(Options(false, "", "", true)));
  RedisSink sink("s", StreamConfig(*server_, "events"));
  ASSERT_TRUE(sink.Start().ok());
  ASSERT_EQ(CountOk(SendAndWait(sink, {MakeMessage("t", "1", Action::kInsert, 1, 0)})), 1u);

  server_->Stop();
  auto down = SendAndWait(sink, {MakeMessage("t", "2", Action::kInsert, 2, 0),
                                 MakeMessage("t", "3", Action::kInsert, 2, 1)});
  ASSERT_EQ(down.size(), 2u);
  for (const auto& s : down) EXPECT_EQ(s.retry(), Retry::kTransient) << s.message();

  std::string error;
  ASSERT_TRUE(server_->Restart(&error)) << error;
  auto back = SendAndWait(sink, {MakeMessage("t", "2", Action::kInsert, 2, 0),
                                 MakeMessage("t", "3", Action::kInsert, 2, 1)});
  EXPECT_EQ(CountOk(back), 2u);
  EXPECT_EQ(server_->Command({"XLEN", "events"})->integer, 3);
}

TEST_F(RedisSinkTest, UnreachableServerIsTransientAtStart) {
  RedisConfig config;
  config.host = "127.0.0.1";
  config.port = testing::FreePort();
  config.stream_key = RouteTemplate::Compile("x").value();
  RedisSink sink("down", std::move(config));
  Status status = sink.Start();
  EXPECT_EQ(status.retry(), Retry::kTransient);
  EXPECT_NE(status.message().find("cannot connect"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace sluice
