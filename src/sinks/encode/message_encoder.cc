#include "sinks/encode/message_encoder.h"

#include <charconv>
#include <utility>

#include "common/json_writer.h"

namespace sluice {
namespace {

constexpr std::string_view kUnchangedToast = "unchanged_toast";

void AppendInt(uint64_t value, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, end - buf);
}

// base64("<commit_lsn>:<commit_idx>") without a temporary string.
void AppendIdempotencyKey(Position position, std::string* out) {
  char text[48];
  char* lsn_end = std::to_chars(text, text + 20, position.commit_lsn).ptr;  // <= 20 digits
  lsn_end[0] = ':';
  char* end = std::to_chars(lsn_end + 1, text + sizeof text, position.commit_idx).ptr;
  pg::AppendBase64(std::string_view(text, end - text), out);
}

bool IsDelete(const Change& change) { return change.action == Action::kDelete; }

// True when the old row holds real values for every column, not just the key (FULL identity).
bool HasFullOldRow(const Change& change) {
  return change.has_old && !change.old_is_key_only &&
         change.old_values.size() == change.relation->columns.size();
}

using Row = MessageEncoder::Row;

Row RecordRow(const Change& change) { return IsDelete(change) ? Row::kOld : Row::kNew; }

// The value of column `column_idx` in `row`. An unchanged TOAST value of the new row is taken
// from the old row when that has it.
const Value& RowValue(const Change& change, Row row, size_t column_idx) {
  static const Value kNull;
  const Tuple& values = row == Row::kOld ? change.old_values : change.new_values;
  if (column_idx >= values.size()) return kNull;
  const Value& value = values[column_idx];
  if (value.kind != ValueKind::kUnchangedToast || row == Row::kOld || !change.has_old ||
      column_idx >= change.old_values.size()) {
    return value;
  }
  const Value& old_value = change.old_values[column_idx];
  const bool old_is_real = !change.old_is_key_only || change.relation->columns[column_idx].is_key;
  return old_is_real && old_value.kind != ValueKind::kUnchangedToast ? old_value : value;
}

// A key-only old row describes only the key columns.
bool ColumnInRow(const Change& change, Row row, const ColumnDef& column) {
  return !(row == Row::kOld && change.old_is_key_only) || column.is_key;
}

std::string ValueAsString(const Value& value) {
  return value.kind == ValueKind::kText ? value.text : std::string();
}

void AppendStringField(std::string_view name, std::string_view value, std::string* out) {
  AppendJsonString(name, out);
  out->push_back(':');
  AppendJsonString(value, out);
}

}  // namespace

MessageEncoder::MessageEncoder(EncodingConfig options, MessageContext context,
                               std::shared_ptr<const pg::TypeRegistry> types)
    : options_(std::move(options)),
      debezium_(options_.message_format == "debezium"),
      types_(std::move(types)) {
  codec_options_.numeric_as_number = options_.numeric_as_number;
  codec_options_.bytea_base64 = options_.bytea_base64;
  codec_options_.timestamp_unix_microsecond = options_.timestamp_unix_microsecond;

  std::string& fixed = sequin_consumer_and_database_;
  fixed.append(",\"consumer\":{");
  AppendStringField("id", context.sink_id, &fixed);
  fixed.push_back(',');
  AppendStringField("name", context.sink_name, &fixed);
  fixed.append(",\"annotations\":{}},\"database\":{");
  AppendStringField("id", context.database_id, &fixed);
  fixed.push_back(',');
  AppendStringField("name", context.database_name, &fixed);
  fixed.push_back(',');
  AppendStringField("database", context.database, &fixed);
  fixed.push_back(',');
  AppendStringField("hostname", context.hostname, &fixed);
  fixed.push_back('}');

  std::string& source = debezium_source_prefix_;
  source.append("\"source\":{\"connector\":\"postgresql\",");
  AppendStringField("name", context.database_name, &source);
  source.push_back(',');
  AppendStringField("db", context.database, &source);
}

void MessageEncoder::Encode(const Change& change, std::string* out) const {
  if (debezium_) {
    EncodeDebezium(change, out);
  } else {
    EncodeSequin(change, out);
  }
}

void MessageEncoder::AppendColumnValue(const ColumnDef& column, const Value& value,
                                       std::string* out) const {
  switch (value.kind) {
    case ValueKind::kNull:
      out->append("null");
      return;
    case ValueKind::kUnchangedToast:
      AppendJsonString(kUnchangedToast, out);
      return;
    case ValueKind::kText:
      pg::AppendJsonValue(*types_, column.type_oid, value.text, codec_options_, out);
      return;
  }
}

void MessageEncoder::AppendRow(const Change& change, Row row, std::vector<int>* unchanged_toast,
                               std::string* out) const {
  const std::vector<ColumnDef>& columns = change.relation->columns;
  out->push_back('{');
  bool first = true;
  for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
    const ColumnDef& column = columns[column_idx];
    if (!ColumnInRow(change, row, column)) continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(column.name, out);
    out->push_back(':');
    const Value& value = RowValue(change, row, column_idx);
    if (value.kind == ValueKind::kUnchangedToast) {
      unchanged_toast->push_back(static_cast<int>(column_idx));
    }
    AppendColumnValue(column, value, out);
  }
  out->push_back('}');
}

void MessageEncoder::AppendChanges(const Change& change, std::string* out) const {
  out->push_back('{');
  if (HasFullOldRow(change)) {
    const std::vector<ColumnDef>& columns = change.relation->columns;
    bool first = true;
    for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
      const Value& old_value = change.old_values[column_idx];
      const Value& new_value = RowValue(change, Row::kNew, column_idx);
      if (new_value.kind == ValueKind::kUnchangedToast ||
          (old_value.kind == new_value.kind && old_value.text == new_value.text)) {
        continue;
      }
      if (!first) out->push_back(',');
      first = false;
      AppendJsonString(columns[column_idx].name, out);
      out->push_back(':');
      AppendColumnValue(columns[column_idx], old_value, out);
    }
  }
  out->push_back('}');
}

void MessageEncoder::EncodeSequin(const Change& change, std::string* out) const {
  const RelationDef& relation = *change.relation;
  std::vector<int> unchanged_toast;
  out->append("{\"record\":");
  if (change.action == Action::kTruncate) {
    out->append("null");
  } else {
    AppendRow(change, RecordRow(change), &unchanged_toast, out);
  }
  out->append(",\"changes\":");
  if (change.action == Action::kUpdate) {
    AppendChanges(change, out);
  } else {
    out->append("null");
  }
  out->append(",\"action\":\"");
  out->append(ActionName(change.action));
  out->append("\",\"metadata\":{");
  out->append("\"table_schema\":");
  AppendJsonString(relation.schema, out);
  out->append(",\"table_name\":");
  AppendJsonString(relation.table, out);
  out->append(",\"commit_timestamp\":\"");
  pg::AppendUtcTimestamp(change.commit_time_us, out);
  out->append("\",\"commit_lsn\":");
  AppendInt(change.position.commit_lsn, out);
  out->append(",\"commit_idx\":");
  AppendInt(change.position.commit_idx, out);
  out->append(",\"idempotency_key\":\"");
  AppendIdempotencyKey(change.position, out);
  out->append("\",\"record_pks\":[");
  if (change.action != Action::kTruncate) {
    bool first = true;
    for (int key_column : relation.key_columns) {
      const size_t column_idx = static_cast<size_t>(key_column);
      if (!first) out->push_back(',');
      first = false;
      const Value& value = RowValue(change, RecordRow(change), column_idx);
      AppendJsonString(value.kind == ValueKind::kText ? std::string_view(value.text) : "", out);
    }
  }
  out->append("],\"transaction_annotations\":");
  if (change.transaction_annotations != nullptr && !change.transaction_annotations->empty()) {
    out->append(*change.transaction_annotations);
  } else {
    out->append("null");
  }
  out->append(sequin_consumer_and_database_);
  if (!unchanged_toast.empty()) {
    out->append(",\"unchanged_toast_columns\":[");
    for (size_t i = 0; i < unchanged_toast.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonString(relation.columns[unchanged_toast[i]].name, out);
    }
    out->push_back(']');
  }
  out->append("}}");
}

// Debezium's envelope. `ts_ms` (top level and source) is the commit time, not the encoding
// time, so that re-encoding a change after a restart gives the same bytes.
void MessageEncoder::EncodeDebezium(const Change& change, std::string* out) const {
  const RelationDef& relation = *change.relation;
  std::vector<int> unchanged_toast;  // Debezium has no place to list them
  char op = 'c';
  out->append("{\"before\":");
  switch (change.action) {
    case Action::kInsert:
    case Action::kRead:
      op = change.action == Action::kInsert ? 'c' : 'r';
      out->append("null,\"after\":");
      AppendRow(change, Row::kNew, &unchanged_toast, out);
      break;
    case Action::kUpdate:
      op = 'u';
      if (HasFullOldRow(change)) {
        AppendRow(change, Row::kOld, &unchanged_toast, out);
      } else {
        out->append("null");
      }
      out->append(",\"after\":");
      AppendRow(change, Row::kNew, &unchanged_toast, out);
      break;
    case Action::kDelete:
      op = 'd';
      AppendRow(change, Row::kOld, &unchanged_toast, out);
      out->append(",\"after\":null");
      break;
    case Action::kTruncate:
      op = 't';
      out->append("null,\"after\":null");
      break;
  }
  const uint64_t ts_ms = static_cast<uint64_t>(change.commit_time_us / 1000);
  out->push_back(',');
  out->append(debezium_source_prefix_);
  out->append(",\"schema\":");
  AppendJsonString(relation.schema, out);
  out->append(",\"table\":");
  AppendJsonString(relation.table, out);
  out->append(",\"txId\":");
  AppendInt(change.xid, out);
  out->append(",\"lsn\":");
  AppendInt(change.position.commit_lsn, out);
  out->append(",\"ts_ms\":");
  AppendInt(ts_ms, out);
  out->append("},\"op\":\"");
  out->push_back(op);
  out->append("\",\"ts_ms\":");
  AppendInt(ts_ms, out);
  out->push_back('}');
}

std::string IdempotencyKey(Position position) {
  std::string key;
  AppendIdempotencyKey(position, &key);
  return key;
}

std::vector<std::string> RecordPks(const Change& change) {
  std::vector<std::string> pks;
  if (change.action == Action::kTruncate) return pks;
  for (int key_column : change.relation->key_columns) {
    pks.push_back(
        ValueAsString(RowValue(change, RecordRow(change), static_cast<size_t>(key_column))));
  }
  return pks;
}

std::string GroupKey(const Change& change, const std::vector<int>& group_columns) {
  std::string key;
  if (change.action == Action::kTruncate) return key;
  if (group_columns.empty()) {
    bool first = true;
    for (int key_column : change.relation->key_columns) {
      if (!first) key.push_back(':');
      first = false;
      const Value& value = RowValue(change, RecordRow(change), static_cast<size_t>(key_column));
      if (value.kind == ValueKind::kText) key.append(value.text);
    }
    return key;
  }
  for (size_t i = 0; i < group_columns.size(); ++i) {
    if (i > 0) key.push_back(':');
    if (group_columns[i] < 0) continue;
    const Value& value = RowValue(change, RecordRow(change), static_cast<size_t>(group_columns[i]));
    if (value.kind == ValueKind::kText) key.append(value.text);
  }
  return key;
}

}  // namespace sluice
