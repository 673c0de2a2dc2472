#include "sinks/encode/message_encoder.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace sluice {
namespace {

using nlohmann::json;

// public.accounts (id int8 key, name text, balance numeric, doc text), as given.
RelationPtr Accounts(char replica_identity = 'd') {
  auto relation = std::make_shared<RelationDef>();
  relation->oid = 16400;
  relation->schema = "public";
  relation->table = "accounts";
  relation->replica_identity = replica_identity;
  relation->columns = {{"id", 20, -1, true},
                       {"name", 25, -1, false},
                       {"balance", 1700, -1, false},
                       {"doc", 25, -1, false}};
  relation->key_columns = {0};
  return relation;
}

Value Text(std::string text) { return {ValueKind::kText, std::move(text)}; }
const Value kNull{ValueKind::kNull, ""};
const Value kToast{ValueKind::kUnchangedToast, ""};

Change MakeChange(Action action, RelationPtr relation) {
  Change change;
  change.action = action;
  change.relation = std::move(relation);
  change.position = {24023128, 3};
  change.commit_time_us = 1795502233123456;
  change.xid = 777;
  return change;
}

class MessageEncoderTest : public ::testing::Test {
 protected:
  json Encode(const Change& change, EncodingConfig options = {}) const {
    MessageEncoder encoder(options, {"sink-1", "accounts-to-kafka", "db-1", "app", "appdb", "pg"},
                           types_);
    std::string out = "[";  // Encode appends
    encoder.Encode(change, &out);
    EXPECT_EQ(out[0], '[');
    return json::parse(out.substr(1));
  }
  std::shared_ptr<const pg::TypeRegistry> types_ = std::make_shared<const pg::TypeRegistry>();
};

TEST_F(MessageEncoderTest, InsertMatchesTheSpecEnvelope) {
  Change change = MakeChange(Action::kInsert, Accounts());
  change.new_values = {Text("42"), Text("Ada"), Text("1200.50"), kNull};
  change.transaction_annotations = std::make_shared<const std::string>(R"({"by":"ada"})");
  EXPECT_EQ(Encode(change), json::parse(R"({
    "record": {"id": 42, "name": "Ada", "balance": "1200.50", "doc": null},
    "changes": null,
    "action": "insert",
    "metadata": {
      "table_schema": "public",
      "table_name": "accounts",
      "commit_timestamp": "2026-11-24T06:37:13.123456Z",
      "commit_lsn": 24023128,
      "commit_idx": 3,
      "idempotency_key": "MjQwMjMxMjg6Mw==",
      "record_pks": ["42"],
      "transaction_annotations": {"by": "ada"},
      "consumer": {"id": "sink-1", "name": "accounts-to-kafka", "annotations": {}},
      "database": {"id": "db-1", "name": "app", "database": "appdb", "hostname": "pg"}
    }})"));
}

TEST_F(MessageEncoderTest, KeysAppearInSpecOrder) {
  Change change = MakeChange(Action::kInsert, Accounts());
  change.new_values = {Text("1"), kNull, kNull, kNull};
  MessageEncoder encoder({}, {}, types_);
  std::string out;
  encoder.Encode(change, &out);
  EXPECT_TRUE(out.starts_with(R"({"record":{"id":1,)")) << out;
  EXPECT_NE(out.find(R"("changes":null,"action":"insert","metadata":{"table_schema")"),
            std::string::npos)
      << out;
}

TEST_F(MessageEncoderTest, OptionsReachTheTypeCodec) {
  Change change = MakeChange(Action::kInsert, Accounts());
  change.new_values = {Text("1"), kNull, Text("1200.50"), kNull};
  EncodingConfig options;
  options.numeric_as_number = true;
  EXPECT_EQ(Encode(change, options)["record"]["balance"], json::parse("1200.50"));
}

TEST_F(MessageEncoderTest, UpdateWithFullOldRowListsOldValuesOfChangedColumns) {
  Change change = MakeChange(Action::kUpdate, Accounts('f'));
  change.has_old = true;
  change.old_values = {Text("42"), Text("Ada"), Text("10.00"), Text("long")};
  change.new_values = {Text("42"), Text("Ada L."), Text("10.00"), kToast};
  json message = Encode(change);
  EXPECT_EQ(message["changes"], json::parse(R"({"name": "Ada"})"));
  EXPECT_EQ(message["record"]["doc"], "long");  // unchanged TOAST filled from the old row
  EXPECT_FALSE(message["metadata"].contains("unchanged_toast_columns"));
}

TEST_F(MessageEncoderTest, UpdateWithoutOldRowHasEmptyChangesAndMarksUnchangedToast) {
  Change change = MakeChange(Action::kUpdate, Accounts());
  change.new_values = {Text("42"), Text("Ada L."), Text("10.00"), kToast};
  json message = Encode(change);
  EXPECT_EQ(message["changes"], json::object());
  EXPECT_EQ(message["record"]["doc"], "unchanged_toast");
  EXPECT_EQ(message["metadata"]["unchanged_toast_columns"], json::parse(R"(["doc"])"));
}

TEST_F(MessageEncoderTest, KeyChangeWithKeyOnlyOldRowStillHasEmptyChanges) {
  Change change = MakeChange(Action::kUpdate, Accounts());
  change.has_old = true;
  change.old_is_key_only = true;
  change.old_values = {Text("41"), kNull, kNull, kNull};
  change.new_values = {Text("42"), Text("Ada"), kNull, kNull};
  json message = Encode(change);
  EXPECT_EQ(message["changes"], json::object());
  EXPECT_EQ(message["metadata"]["record_pks"], json::parse(R"(["42"])"));
}

TEST_F(MessageEncoderTest, DeleteWithKeyOnlyOldRowHasOnlyKeyColumns) {
  Change change = MakeChange(Action::kDelete, Accounts());
  change.has_old = true;
  change.old_is_key_only = true;
  change.old_values = {Text("42"), kNull, kNull, kNull};
  json message = Encode(change);
  EXPECT_EQ(message["record"], json::parse(R"({"id": 42})"));
  EXPECT_EQ(message["changes"], nullptr);
  EXPECT_EQ(message["action"], "delete");
}

TEST_F(MessageEncoderTest, DeleteWithFullOldRowHasEveryColumn) {
  Change change = MakeChange(Action::kDelete, Accounts('f'));
  change.has_old = true;
  change.old_values = {Text("42"), Text("Ada"), Text("1.00"), kNull};
  EXPECT_EQ(Encode(change)["record"],
            json::parse(R"({"id": 42, "name": "Ada", "balance": "1.00", "doc": null})"));
}

TEST_F(MessageEncoderTest, TruncateHasNullRecordAndNamesTheTable) {
  json message = Encode(MakeChange(Action::kTruncate, Accounts()));
  EXPECT_EQ(message["record"], nullptr);
  EXPECT_EQ(message["changes"], nullptr);
  EXPECT_EQ(message["action"], "truncate");
  EXPECT_EQ(message["metadata"]["table_name"], "accounts");
  EXPECT_EQ(message["metadata"]["record_pks"], json::array());
}

TEST_F(MessageEncoderTest, DebeziumEnvelope) {
  EncodingConfig options;
  options.message_format = "debezium";
  Change update = MakeChange(Action::kUpdate, Accounts('f'));
  update.has_old = true;
  update.old_values = {Text("42"), Text("Ada"), Text("1.00"), kNull};
  update.new_values = {Text("42"), Text("Ada L."), Text("1.00"), kNull};
  EXPECT_EQ(Encode(update, options), json::parse(R"({
    "before": {"id": 42, "name": "Ada", "balance": "1.00", "doc": null},
    "after": {"id": 42, "name": "Ada L.", "balance": "1.00", "doc": null},
    "source": {"connector": "postgresql", "name": "app", "db": "appdb", "schema": "public",
               "table": "accounts", "txId": 777, "lsn": 24023128, "ts_ms": 1795502233123},
    "op": "u", "ts_ms": 1795502233123})"));

  Change insert = MakeChange(Action::kInsert, Accounts());
  insert.new_values = {Text("1"), kNull, kNull, kNull};
  json created = Encode(insert, options);
  EXPECT_EQ(created["op"], "c");
  EXPECT_EQ(created["before"], nullptr);

  Change remove = MakeChange(Action::kDelete, Accounts());
  remove.has_old = true;
  remove.old_is_key_only = true;
  remove.old_values = {Text("1"), kNull, kNull, kNull};
  json deleted = Encode(remove, options);
  EXPECT_EQ(deleted["op"], "d");
  EXPECT_EQ(deleted["before"], json::parse(R"({"id": 1})"));
  EXPECT_EQ(deleted["after"], nullptr);

  EXPECT_EQ(Encode(MakeChange(Action::kTruncate, Accounts()), options)["op"], "t");
  EXPECT_EQ(Encode(MakeChange(Action::kRead, Accounts()), options)["op"], "r");
}

TEST(MessageKeysTest, IdempotencyKeyIsBase64OfLsnAndIndex) {
  EXPECT_EQ(IdempotencyKey({24023128, 3}), "MjQwMjMxMjg6Mw==");
  EXPECT_EQ(IdempotencyKey({0, 0}), "MDow");
  // The largest values fit: "18446744073709551615:4294967295".
  EXPECT_EQ(IdempotencyKey({UINT64_MAX, UINT32_MAX}),
            "MTg0NDY3NDQwNzM3MDk1NTE2MTU6NDI5NDk2NzI5NQ==");
}

TEST(MessageKeysTest, RecordPksFollowKeyColumnOrderAndUseTheOldRowForDeletes) {
  auto relation = std::make_shared<RelationDef>();
  relation->columns = {{"tenant", 25, -1, true}, {"note", 25, -1, false}, {"id", 20, -1, true}};
  relation->key_columns = {0, 2};
  Change insert = MakeChange(Action::kInsert, relation);
  insert.new_values = {Text("acme"), Text("x"), Text("7")};
  EXPECT_EQ(RecordPks(insert), (std::vector<std::string>{"acme", "7"}));
  EXPECT_EQ(GroupKey(insert, {}), "acme:7");
  EXPECT_EQ(GroupKey(insert, {1}), "x");
  EXPECT_EQ(GroupKey(insert, {2, 0, 9}), "7:acme:");

  Change remove = MakeChange(Action::kDelete, relation);
  remove.has_old = true;
  remove.old_is_key_only = true;
  remove.old_values = {Text("acme"), kNull, Text("8")};
  EXPECT_EQ(RecordPks(remove), (std::vector<std::string>{"acme", "8"}));
  EXPECT_EQ(GroupKey(remove, {}), "acme:8");

  // An unchanged TOASTed key (it did not change) comes from the old key row.
  Change update = MakeChange(Action::kUpdate, relation);
  update.has_old = true;
  update.old_is_key_only = true;
  update.old_values = {Text("acme"), kNull, Text("9")};
  update.new_values = {kToast, Text("y"), Text("9")};
  EXPECT_EQ(RecordPks(update), (std::vector<std::string>{"acme", "9"}));

  EXPECT_EQ(GroupKey(MakeChange(Action::kTruncate, relation), {}), "");
  EXPECT_TRUE(RecordPks(MakeChange(Action::kTruncate, relation)).empty());
}

}  // namespace
}  // namespace sluice
