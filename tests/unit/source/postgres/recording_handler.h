#pragma once
// Test helpers for the pgoutput decoder: a DecodeHandler that records every call as JSON in
// the event format of tests/golden/README.md, and a reader for golden .bin files.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "source/postgres/pgoutput_decoder.h"

namespace sluice::pg::testing {

// Latin-1 bytes as a JSON string (each byte one code point), for arbitrary message content.
inline std::string Latin1ToUtf8(const std::string& bytes) {
  std::string utf8;
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      utf8.push_back(static_cast<char>(c));
    } else {
      utf8.push_back(static_cast<char>(0xc0 | c >> 6));
      utf8.push_back(static_cast<char>(0x80 | (c & 0x3f)));
    }
  }
  return utf8;
}

inline nlohmann::json TupleJson(const Tuple& tuple) {
  nlohmann::json values = nlohmann::json::array();
  for (const Value& value : tuple) {
    switch (value.kind) {
      case ValueKind::kNull:
        values.push_back(nullptr);
        break;
      case ValueKind::kUnchangedToast:
        values.push_back({{"unchanged_toast", true}});
        break;
      case ValueKind::kText:
        values.push_back(value.text);
        break;
    }
  }
  return values;
}

inline nlohmann::json RelationJson(const RelationDef& relation) {
  nlohmann::json columns = nlohmann::json::array();
  for (const ColumnDef& column : relation.columns) {
    columns.push_back({{"name", column.name},
                       {"type_oid", column.type_oid},
                       {"type_modifier", column.type_modifier},
                       {"key", column.is_key}});
  }
  return {{"oid", relation.oid},
          {"schema", relation.schema},
          {"table", relation.table},
          {"replica_identity", std::string(1, relation.replica_identity)},
          {"columns", columns}};
}

class RecordingHandler : public DecodeHandler {
 public:
  nlohmann::json events = nlohmann::json::array();
  std::vector<Change> changes;  // every change, as decoded

  void OnBegin(const BeginMessage& m) override {
    events.push_back({{"type", "begin"},
                      {"final_lsn", m.final_lsn},
                      {"commit_time_us", m.commit_time_us},
                      {"xid", m.xid}});
  }
  void OnCommit(const CommitMessage& m) override {
    events.push_back({{"type", "commit"},
                      {"commit_lsn", m.commit_lsn},
                      {"end_lsn", m.end_lsn},
                      {"commit_time_us", m.commit_time_us}});
  }
  void OnChange(uint32_t stream_xid, Change&& change) override {
    events.push_back({{"type", "change"},
                      {"action", std::string(ActionName(change.action))},
                      {"stream_xid", stream_xid},
                      {"xid", change.xid},
                      {"relation", RelationJson(*change.relation)},
                      {"old", change.has_old ? TupleJson(change.old_values) : nullptr},
                      {"old_is_key_only", change.old_is_key_only},
                      {"new", change.action == Action::kInsert || change.action == Action::kUpdate
                                  ? TupleJson(change.new_values)
                                  : nullptr}});
    changes.push_back(std::move(change));
  }
  void OnLogicalMessage(const LogicalMessage& m) override {
    events.push_back({{"type", "message"},
                      {"xid", m.xid},
                      {"transactional", m.transactional},
                      {"lsn", m.lsn},
                      {"prefix", m.prefix},
                      {"content", Latin1ToUtf8(m.content)}});
  }
  void OnStreamStart(const StreamStartMessage& m) override {
    events.push_back(
        {{"type", "stream_start"}, {"xid", m.xid}, {"first_segment", m.first_segment}});
  }
  void OnStreamStop() override { events.push_back({{"type", "stream_stop"}}); }
  void OnStreamCommit(const StreamCommitMessage& m) override {
    events.push_back({{"type", "stream_commit"},
                      {"xid", m.xid},
                      {"commit_lsn", m.commit_lsn},
                      {"end_lsn", m.end_lsn},
                      {"commit_time_us", m.commit_time_us}});
  }
  void OnStreamAbort(const StreamAbortMessage& m) override {
    events.push_back({{"type", "stream_abort"}, {"xid", m.xid}, {"subxid", m.subxid}});
  }
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Splits a golden .bin (4-byte big-endian length + payload, repeated) into payloads. Returns
// false if the file is not well formed.
inline bool SplitFrames(const std::string& file, std::vector<std::string>* frames) {
  size_t pos = 0;
  while (pos < file.size()) {
    if (file.size() - pos < 4) return false;
    uint32_t length = 0;
    for (int i = 0; i < 4; ++i) length = length << 8 | static_cast<uint8_t>(file[pos + i]);
    pos += 4;
    if (file.size() - pos < length) return false;
    frames->push_back(file.substr(pos, length));
    pos += length;
  }
  return true;
}

inline std::string GoldenDir() { return std::string(SLUICE_SOURCE_DIR) + "/tests/golden"; }

}  // namespace sluice::pg::testing
