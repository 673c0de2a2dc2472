// SqliteStore: opening, durability across reopen, sink cursors and parked messages.
// Queue behaviour is in sqlite_queue_test.cc.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "unit/store/temp_dir.h"

namespace sluice {
namespace {

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& dir) {
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir);
  EXPECT_TRUE(store.has_value()) << store.status().ToString();
  return store ? std::move(*store) : nullptr;
}

ParkedMessage Parked(std::string sink, Position position, std::string group,
                     std::string state = "failing") {
  ParkedMessage m;
  m.sink = std::move(sink);
  m.position = position;
  m.group_key = std::move(group);
  m.idempotency_key =
      "key-" + std::to_string(position.commit_lsn) + ":" + std::to_string(position.commit_idx);
  m.action = "update";
  m.schema_name = "public";
  m.table_name = "orders";
  m.record_pks = {"42", "a:b", ""};
  m.body = R"({"record":{"id":42}})";
  m.commit_time_us = 1700000000123456;
  m.attempts = 1;
  m.next_attempt_at_ms = 5000;
  m.state = std::move(state);
  m.last_error = "HTTP 503";
  return m;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenOrDie(dir_.path());
    ASSERT_NE(store_, nullptr);
  }
  void Reopen() {
    store_.reset();
    store_ = OpenOrDie(dir_.path());
    ASSERT_NE(store_, nullptr);
  }
  std::vector<int64_t> ParkAll(std::vector<ParkedMessage> messages) {
    EXPECT_TRUE(store_->ParkMessages(messages).ok());
    std::vector<int64_t> ids;
    for (const auto& m : messages) ids.push_back(m.id);
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, CreatesTheDataDirectoryAndDatabaseFile) {
  std::string nested = dir_.path() + "/a/b";
  auto store = OpenOrDie(nested);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(nested + "/sluice.db"));
  EXPECT_TRUE(store->Ping().ok());
}

TEST_F(SqliteStoreTest, OpenFailsFatallyWhenTheDataDirIsAFile) {
  std::string file = dir_.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(file);
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().retry(), Retry::kFatal);
  EXPECT_NE(store.error().message().find("not-a-dir"), std::string::npos);
}

TEST_F(SqliteStoreTest, OpenRefusesADatabaseFromANewerSchema) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/sluice.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 999", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(dir_.path());
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().retry(), Retry::kFatal);
  EXPECT_NE(store.error().message().find("newer"), std::string::npos);
}

TEST_F(SqliteStoreTest, OpenAppliesMigrationsAnOlderDatabaseLacks) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/sluice.db").c_str(), &db), SQLITE_OK);
  // Roll the file back to what migration 1 alone produced.
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP INDEX queue_heads_by_visibility;"
                         "UPDATE schema_version SET version = 1",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Reopen();
  ASSERT_EQ(sqlite3_open((dir_.path() + "/sluice.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                               "name = 'queue_heads_by_visibility'",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 1);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, UsesWalJournalWithFullSync) {
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/sluice.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, SinkCursorIsAbsentUntilSaved) {
  Result<std::optional<Position>> cursor = store_->LoadSinkCursor("orders");
  ASSERT_TRUE(cursor.has_value());
  EXPECT_FALSE(cursor->has_value());
}

TEST_F(SqliteStoreTest, SinkCursorIsOverwrittenAndSurvivesReopen) {
  ASSERT_TRUE(store_->SaveSinkCursor("orders", Position{100, 3}).ok());
  ASSERT_TRUE(store_->SaveSinkCursor("orders", Position{0x1600000000ULL, 7}).ok());
  ASSERT_TRUE(store_->SaveSinkCursor("other", Position{5, 0}).ok());
  Reopen();
  Result<std::optional<Position>> cursor = store_->LoadSinkCursor("orders");
  ASSERT_TRUE(cursor.has_value() && cursor->has_value());
  EXPECT_EQ(**cursor, (Position{0x1600000000ULL, 7}));
  Result<std::optional<Position>> other = store_->LoadSinkCursor("other");
  ASSERT_TRUE(other.has_value() && other->has_value());
  EXPECT_EQ(**other, (Position{5, 0}));
}

TEST_F(SqliteStoreTest, ParkedMessagesRoundTripEveryField) {
  std::vector<int64_t> ids = ParkAll({Parked("s", Position{10, 1}, "42")});
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_GT(ids[0], 0);
  Reopen();
  Result<std::vector<ParkedMessage>> listed = store_->ListParked("s", "", 10);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  const ParkedMessage& m = (*listed)[0];
  ParkedMessage want = Parked("s", Position{10, 1}, "42");
  EXPECT_EQ(m.id, ids[0]);
  EXPECT_EQ(m.sink, want.sink);
  EXPECT_EQ(m.position, want.position);
  EXPECT_EQ(m.group_key, want.group_key);
  EXPECT_EQ(m.idempotency_key, want.idempotency_key);
  EXPECT_EQ(m.action, want.action);
  EXPECT_EQ(m.schema_name, want.schema_name);
  EXPECT_EQ(m.table_name, want.table_name);
  EXPECT_EQ(m.record_pks, want.record_pks);
  EXPECT_EQ(m.body, want.body);
  EXPECT_EQ(m.commit_time_us, want.commit_time_us);
  EXPECT_EQ(m.attempts, want.attempts);
  EXPECT_EQ(m.next_attempt_at_ms, want.next_attempt_at_ms);
  EXPECT_EQ(m.state, want.state);
  EXPECT_EQ(m.last_error, want.last_error);
}

TEST_F(SqliteStoreTest, ParkedMessagesListOldestPositionFirstPerSinkAndState) {
  ParkAll({Parked("s", Position{30, 0}, "a"), Parked("s", Position{10, 2}, "b", "dead_letter"),
           Parked("t", Position{5, 0}, "a"), Parked("s", Position{10, 1}, "c")});
  Result<std::vector<ParkedMessage>> all = store_->ListParked("s", "", 10);
  ASSERT_TRUE(all.has_value());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].position, (Position{10, 1}));
  EXPECT_EQ((*all)[1].position, (Position{10, 2}));
  EXPECT_EQ((*all)[2].position, (Position{30, 0}));

  Result<std::vector<ParkedMessage>> dead = store_->ListParked("s", "dead_letter", 10);
  ASSERT_TRUE(dead.has_value());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].group_key, "b");

  Result<std::vector<ParkedMessage>> limited = store_->ListParked("s", "", 2);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->size(), 2u);
}

TEST_F(SqliteStoreTest, UpdateParkedRecordsTheNextAttempt) {
  std::vector<int64_t> ids = ParkAll({Parked("s", Position{1, 0}, "a")});
  ParkedMessage update = Parked("s", Position{1, 0}, "a");
  update.id = ids[0];
  update.attempts = 5;
  update.next_attempt_at_ms = 99999;
  update.state = "dead_letter";
  update.last_error = "gave up";
  ASSERT_TRUE(store_->UpdateParked(update).ok());
  Result<std::vector<ParkedMessage>> listed = store_->ListParked("s", "dead_letter", 10);
  ASSERT_TRUE(listed.has_value());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].attempts, 5);
  EXPECT_EQ((*listed)[0].next_attempt_at_ms, 99999);
  EXPECT_EQ((*listed)[0].last_error, "gave up");
}

TEST_F(SqliteStoreTest, UpdateParkedOfAnUnknownIdFails) {
  ParkedMessage missing = Parked("s", Position{1, 0}, "a");
  missing.id = 12345;
  Status status = store_->UpdateParked(missing);
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.retry(), Retry::kPermanent);
}

TEST_F(SqliteStoreTest, DeleteParkedRemovesOnlyTheGivenIds) {
  std::vector<int64_t> ids =
      ParkAll({Parked("s", Position{1, 0}, "a"), Parked("s", Position{2, 0}, "b"),
               Parked("s", Position{3, 0}, "c")});
  std::vector<int64_t> doomed = {ids[0], ids[2]};
  ASSERT_TRUE(store_->DeleteParked(doomed).ok());
  Result<std::vector<ParkedMessage>> left = store_->ListParked("s", "", 10);
  ASSERT_TRUE(left.has_value());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].id, ids[1]);
}

TEST_F(SqliteStoreTest, BlockedGroupsAreTheDistinctGroupsWithFailingMessages) {
  ParkAll({Parked("s", Position{1, 0}, "a"), Parked("s", Position{2, 0}, "a"),
           Parked("s", Position{3, 0}, "b", "dead_letter"), Parked("s", Position{4, 0}, "c"),
           Parked("t", Position{5, 0}, "d")});
  Result<std::vector<std::string>> groups = store_->BlockedGroups("s");
  ASSERT_TRUE(groups.has_value());
  EXPECT_EQ(*groups, (std::vector<std::string>{"a", "c"}));
}

}  // namespace
}  // namespace sluice
