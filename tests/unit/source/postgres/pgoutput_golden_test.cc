// Decodes every captured replication stream in tests/golden/pgoutput and compares with the
// reference decode next to it; then encodes the changes into messages and checks them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sinks/encode/message_encoder.h"
#include "source/postgres/pgoutput_decoder.h"
#include "source/postgres/type_registry.h"
#include "unit/source/postgres/recording_handler.h"

namespace sluice::pg {
namespace {

using testing::GoldenDir;
using testing::ReadFile;
using testing::RecordingHandler;
using testing::SplitFrames;

std::vector<std::string> GoldenCases() {
  std::vector<std::string> cases;
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir() + "/pgoutput")) {
    if (entry.path().extension() == ".bin") cases.push_back(entry.path().stem().string());
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

// Decodes a golden case, failing the test on any decode error.
RecordingHandler DecodeCase(const std::string& name) {
  RecordingHandler handler;
  std::vector<std::string> frames;
  const std::string path = GoldenDir() + "/pgoutput/" + name + ".bin";
  EXPECT_TRUE(SplitFrames(ReadFile(path), &frames)) << path << " is not length-prefixed frames";
  EXPECT_FALSE(frames.empty()) << path;
  PgOutputDecoder decoder;
  for (size_t i = 0; i < frames.size(); ++i) {
    Status status = decoder.Decode(frames[i], handler);
    EXPECT_TRUE(status.ok()) << name << " message " << i << ": " << status.ToString();
  }
  return handler;
}

class GoldenStreamTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenStreamTest, DecodesLikeTheReferenceDecoder) {
  RecordingHandler handler = DecodeCase(GetParam());
  const nlohmann::json expected =
      nlohmann::json::parse(ReadFile(GoldenDir() + "/pgoutput/" + GetParam() + ".json"));
  ASSERT_EQ(handler.events.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(handler.events[i], expected[i])
        << "event " << i << "\n got:      " << handler.events[i].dump()
        << "\n expected: " << expected[i].dump();
  }
}

TEST_P(GoldenStreamTest, EveryChangeEncodesToValidJsonInBothEnvelopes) {
  RecordingHandler handler = DecodeCase(GetParam());
  auto types = std::make_shared<const TypeRegistry>();
  EncodingConfig debezium_options;
  debezium_options.message_format = "debezium";
  const MessageEncoder sequin({}, {"sink-id", "sink", "db-id", "app", "app", "localhost"}, types);
  const MessageEncoder debezium(debezium_options, {}, types);
  uint32_t commit_idx = 0;
  for (Change& change : handler.changes) {
    change.position = {0x16B374D848, commit_idx++};
    std::string sequin_json, debezium_json;
    sequin.Encode(change, &sequin_json);
    debezium.Encode(change, &debezium_json);
    const auto message = nlohmann::json::parse(sequin_json, nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(message.is_discarded()) << sequin_json;
    EXPECT_EQ(message["action"], ActionName(change.action));
    EXPECT_EQ(message["metadata"]["table_name"], change.relation->table);
    EXPECT_EQ(message["record"].is_null(), change.action == Action::kTruncate);
    ASSERT_FALSE(nlohmann::json::parse(debezium_json, nullptr, false).is_discarded())
        << debezium_json;
  }
}

INSTANTIATE_TEST_SUITE_P(Captured, GoldenStreamTest, ::testing::ValuesIn(GoldenCases()),
                         [](const auto& info) { return info.param; });

// The decoded changes of a case, encoded in the Sequin envelope with the built-in types.
std::vector<nlohmann::json> SequinMessages(const std::string& name) {
  RecordingHandler handler = DecodeCase(name);
  const MessageEncoder encoder({}, {}, std::make_shared<const TypeRegistry>());
  std::vector<nlohmann::json> messages;
  for (const Change& change : handler.changes) {
    std::string json;
    encoder.Encode(change, &json);
    messages.push_back(nlohmann::json::parse(json));
  }
  return messages;
}

TEST(GoldenMessagesTest, TypesRenderPerSpecWhateverTheWalsenderTimeZone) {
  // The walsender ran with TimeZone=Asia/Kolkata, so timestamptz text came in as +05:30.
  const nlohmann::json record = SequinMessages("types").at(0)["record"];
  EXPECT_EQ(record["c_int8"], nlohmann::json::parse("-9223372036854775808"));
  EXPECT_EQ(record["c_float8"], "NaN");
  EXPECT_EQ(record["c_numeric"], "1200.50");
  EXPECT_EQ(record["c_bool"], true);
  EXPECT_EQ(record["c_text"], "tab\there \"quoted\" \\ back");
  EXPECT_EQ(record["c_jsonb"], nlohmann::json::parse(R"({"b": {"c": true}})"));
  EXPECT_EQ(record["c_timestamptz"], "2026-11-24T06:37:13.123456Z");
  EXPECT_EQ(record["c_timestamp"], "2026-11-24T06:37:13.500000");
  EXPECT_EQ(record["c_interval"],
            nlohmann::json::parse(R"({"months":14,"days":3,"microseconds":14706500000})"));
  EXPECT_EQ(record["c_bytea"], "\\x0a0bff");
  EXPECT_EQ(record["c_int_array"], nlohmann::json::parse("[1,null,3]"));
  EXPECT_EQ(
      record["c_text_array"],
      nlohmann::json::parse(R"(["plain","with space","with,comma","with\"quote",null,"NULL",""])"));
  EXPECT_EQ(record["c_float_array"],
            nlohmann::json::parse(R"([[1.5,"Infinity"],["-Infinity","NaN"]])"));
  EXPECT_EQ(record["c_jsonb_array"], nlohmann::json::parse(R"([{"k": 1}])"));
  EXPECT_EQ(record["c_ts_array"], nlohmann::json::parse(R"(["2026-01-01T00:00:00.000000Z"])"));
  EXPECT_EQ(record["c_mood"], "happy");  // enum: no catalog loaded, still a string
  EXPECT_EQ(record["c_pair"], "(1,\"x y\")");
  const nlohmann::json specials = SequinMessages("types").at(1)["record"];
  EXPECT_EQ(specials["c_timestamptz"], "infinity");
  EXPECT_EQ(specials["c_int_array"], nlohmann::json::parse("[7,8]"));
  EXPECT_EQ(specials["c_interval"],
            nlohmann::json::parse(R"({"months":0,"days":0,"microseconds":-1000000})"));
}

TEST(GoldenMessagesTest, UnchangedToastIsFilledFromTheFullOldRowOrListed) {
  const std::vector<nlohmann::json> messages = SequinMessages("unchanged_toast");
  ASSERT_EQ(messages.size(), 3u);
  // Default identity: no old row, so the value is unknown.
  EXPECT_EQ(messages[0]["record"]["body"], "unchanged_toast");
  EXPECT_EQ(messages[0]["metadata"]["unchanged_toast_columns"],
            nlohmann::json::parse(R"(["body"])"));
  EXPECT_EQ(messages[0]["changes"], nlohmann::json::object());
  // FULL identity: the old row has it; only the title changed.
  EXPECT_EQ(messages[1]["record"]["body"], std::string(4000, 'y'));
  EXPECT_FALSE(messages[1]["metadata"].contains("unchanged_toast_columns"));
  EXPECT_EQ(messages[1]["changes"], nlohmann::json::parse(R"({"title":"one"})"));
  // Delete with default identity: the key only.
  EXPECT_EQ(messages[2]["record"], nlohmann::json::parse(R"({"id":1})"));
  EXPECT_EQ(messages[2]["metadata"]["record_pks"], nlohmann::json::parse(R"(["1"])"));
}

TEST(GoldenMessagesTest, FullIdentityUpdatesListOldValuesOfChangedColumns) {
  const std::vector<nlohmann::json> messages = SequinMessages("identity_full");
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0]["changes"], nlohmann::json::parse(R"({"balance":"10.50"})"));
  EXPECT_EQ(messages[1]["changes"], nlohmann::json::parse(R"({"id":2,"owner":"bob"})"));
  EXPECT_EQ(messages[1]["record"],
            nlohmann::json::parse(R"({"id":3,"owner":null,"balance":"0.00"})"));
  EXPECT_EQ(messages[2]["action"], "delete");
  EXPECT_EQ(messages[2]["record"],
            nlohmann::json::parse(R"({"id":1,"owner":"ada","balance":"11.25"})"));
}

TEST(GoldenMessagesTest, DefaultIdentityUpdatesHaveEmptyChanges) {
  const std::vector<nlohmann::json> messages = SequinMessages("identity_default");
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0]["changes"], nlohmann::json::object());
  // A key change sends the old key ('K'), still not the old values.
  EXPECT_EQ(messages[1]["changes"], nlohmann::json::object());
  EXPECT_EQ(messages[1]["metadata"]["record_pks"], nlohmann::json::parse(R"(["3"])"));
  EXPECT_EQ(messages[2]["record"], nlohmann::json::parse(R"({"id":1})"));
}

TEST(GoldenMessagesTest, SchemaChangesApplyToLaterChangesOnly) {
  RecordingHandler handler = DecodeCase("schema_change");
  std::vector<std::vector<std::string>> shapes;
  for (const Change& change : handler.changes) {
    std::vector<std::string> names;
    for (const ColumnDef& column : change.relation->columns) names.push_back(column.name);
    shapes.push_back(names);
  }
  using Names = std::vector<std::string>;
  ASSERT_EQ(shapes.size(), 7u);
  EXPECT_EQ(shapes[0], (Names{"id", "a"}));
  EXPECT_EQ(shapes[1], (Names{"id", "a", "b"}));
  EXPECT_EQ(shapes[2], (Names{"id", "title", "b"}));
  EXPECT_EQ(shapes[3], (Names{"id", "title", "b"}));
  EXPECT_EQ(handler.changes[2].relation->columns[2].type_oid, 23u);  // int4
  EXPECT_EQ(handler.changes[3].relation->columns[2].type_oid, 20u);  // int8 after the ALTER
  EXPECT_EQ(shapes[4], (Names{"id", "b"}));
  EXPECT_EQ(shapes[5], (Names{"id", "b"}));  // same transaction, before ADD COLUMN c
  EXPECT_EQ(shapes[6], (Names{"id", "b", "c"}));
}

TEST(GoldenMessagesTest, StreamedTransactionCarriesSubtransactionXids) {
  RecordingHandler handler = DecodeCase("streamed");
  uint32_t top_xid = 0, aborted_subxid = 0;
  size_t commits = 0;
  std::vector<uint32_t> subxids_before_abort;
  for (const nlohmann::json& event : handler.events) {
    if (event["type"] == "stream_start") top_xid = event["xid"];
    if (event["type"] == "stream_abort") {
      EXPECT_EQ(aborted_subxid, 0u) << "one abort expected";
      aborted_subxid = event["subxid"];
      EXPECT_EQ(event["xid"], top_xid);
    }
    if (event["type"] == "stream_commit") ++commits;
    if (event["type"] == "change") {
      EXPECT_EQ(event["xid"], top_xid);  // change.xid is always the top-level xid
      if (event["stream_xid"] != top_xid && aborted_subxid == 0) {
        subxids_before_abort.push_back(event["stream_xid"]);
      }
    }
  }
  EXPECT_EQ(commits, 1u);
  // The rolled-back subtransaction's rows were streamed (under its own xid) before its abort.
  ASSERT_FALSE(subxids_before_abort.empty());
  for (uint32_t subxid : subxids_before_abort) EXPECT_EQ(subxid, aborted_subxid);
}

}  // namespace
}  // namespace sluice::pg
