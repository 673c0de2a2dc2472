// `sinks[]`: parsing of the sink-level keys, and TableSelection.
#include <algorithm>
#include <climits>

#include "config/parse.h"

namespace sluice {
namespace {

constexpr int kMaxBatchSize = 10000;

// Reads a list of "schema.table" names, recording an error for each malformed one.
std::vector<std::string> GetTableNames(ConfigNode& node, std::string_view key) {
  std::vector<std::string> names = node.GetStringList(key);
  for (const auto& name : names) {
    if (!config_internal::IsQualifiedTableName(name)) {
      node.Error(key, "\"" + name + "\" is not schema.table");
    }
  }
  return names;
}

void ParseSource(ConfigNode& node, TableSelection& source) {
  source.include_tables = GetTableNames(node, "include_tables");
  source.exclude_tables = GetTableNames(node, "exclude_tables");
  source.include_schemas = node.GetStringList("include_schemas");
  source.exclude_schemas = node.GetStringList("exclude_schemas");
  node.RejectUnknownKeys();
}

std::set<Action> ParseActions(ConfigNode& node) {
  if (!node.Has("actions"))
    return {Action::kInsert, Action::kUpdate, Action::kDelete, Action::kRead};
  static constexpr Action kNamed[] = {Action::kInsert, Action::kUpdate, Action::kDelete,
                                      Action::kTruncate, Action::kRead};
  std::set<Action> actions = {Action::kRead};  // backfills always deliver reads
  for (const auto& name : node.GetStringList("actions")) {
    auto named = std::find_if(std::begin(kNamed), std::end(kNamed),
                              [&name](Action a) { return ActionName(a) == name; });
    if (named == std::end(kNamed)) {
      node.Error("actions",
                 "unknown action \"" + name + "\" (one of: insert, update, delete, truncate)");
    } else {
      actions.insert(*named);
    }
  }
  return actions;
}

void ParseInitialBackfill(ConfigNode& node, SinkConfig& sink) {
  if (node.KindOf("initial_backfill") != ConfigNode::Kind::kList) {
    sink.initial_backfill_all = node.GetBool("initial_backfill", false);
    return;
  }
  for (ConfigNode& entry : node.GetMapList("initial_backfill")) {
    BackfillTable table;
    table.table = entry.RequireString("table");
    if (!table.table.empty() && !config_internal::IsQualifiedTableName(table.table)) {
      entry.Error("table", "\"" + table.table + "\" is not schema.table");
    }
    table.where = entry.GetString("where", "");
    entry.RejectUnknownKeys();
    sink.initial_backfill.push_back(std::move(table));
  }
}

void ParseEncoding(ConfigNode& node, EncodingConfig& encoding) {
  using config_internal::GetEnum;
  encoding.message_format = GetEnum(node, "message_format", "sequin", {"sequin", "debezium"});
  encoding.numeric_as_number = GetEnum(node, "numeric", "string", {"string", "number"}) == "number";
  encoding.bytea_base64 = GetEnum(node, "bytea", "hex", {"hex", "base64"}) == "base64";
  encoding.timestamp_unix_microsecond =
      GetEnum(node, "timestamp_format", "iso8601", {"iso8601", "unix_microsecond"}) ==
      "unix_microsecond";
}

void ParseBatching(ConfigNode& node, SinkConfig& sink) {
  int64_t batch_size = node.GetInt("batch_size", sink.batch_size);
  if (batch_size < 1 || batch_size > kMaxBatchSize) {
    node.Error("batch_size", "must be from 1 to " + std::to_string(kMaxBatchSize));
  } else {
    sink.batch_size = static_cast<int>(batch_size);
  }
  int64_t max_bytes = node.GetInt("batch_max_bytes", sink.batch_max_bytes);
  if (max_bytes < 1) {
    node.Error("batch_max_bytes", "must be positive");
  } else {
    sink.batch_max_bytes = max_bytes;
  }
  sink.batch_timeout = node.GetDuration("batch_timeout", sink.batch_timeout);
}

void ParseRetry(ConfigNode& node, SinkConfig& sink) {
  if (std::optional<int64_t> count = node.GetOptionalInt("max_retry_count")) {
    if (*count < 0 || *count > INT_MAX) {
      node.Error("max_retry_count", "must be a non-negative integer, or null to retry forever");
    } else {
      sink.max_retry_count = static_cast<int>(*count);
    }
  }
  sink.dead_letter = node.GetString("dead_letter", "");
  if (auto retry = node.GetMap("retry")) {
    sink.retry.initial_backoff = retry->GetDuration("initial_backoff", sink.retry.initial_backoff);
    sink.retry.max_backoff = retry->GetDuration("max_backoff", sink.retry.max_backoff);
    if (sink.retry.max_backoff < sink.retry.initial_backoff) {
      retry->Error("max_backoff", "must not be less than initial_backoff");
    }
    retry->RejectUnknownKeys();
  }
}

}  // namespace

namespace config_internal {

SinkConfig ParseSink(ConfigNode& node) {
  SinkConfig sink;
  sink.name = node.RequireString("name");
  sink.database = node.GetString("database", "");
  if (auto source = node.GetMap("source")) ParseSource(*source, sink.source);
  for (ConfigNode& table_node : node.GetMapList("tables")) {
    TableSettings table;
    table.name = table_node.RequireString("name");
    if (!table.name.empty() && !IsQualifiedTableName(table.name)) {
      table_node.Error("name", "\"" + table.name + "\" is not schema.table");
    }
    table.group_column_names = table_node.GetStringList("group_column_names");
    table_node.RejectUnknownKeys();
    sink.tables.push_back(std::move(table));
  }
  sink.actions = ParseActions(node);
  sink.where = node.GetString("where", "");
  sink.filter = node.GetString("filter", "");
  sink.transform = node.GetString("transform", "");
  sink.routing = node.GetString("routing", "");
  ParseEncoding(node, sink.encoding);
  sink.message_grouping = node.GetBool("message_grouping", sink.message_grouping);
  ParseBatching(node, sink);
  ParseRetry(node, sink);
  ParseInitialBackfill(node, sink);
  if (std::optional<ConfigNode> destination = node.GetMap("destination")) {
    sink.destination_type = destination->RequireString("type");
    sink.destination = std::move(destination);
  } else if (!node.Has("destination")) {
    node.Error("destination", "required");
  }
  node.RejectUnknownKeys();
  return sink;
}

}  // namespace config_internal

bool TableSelection::Matches(std::string_view schema, std::string_view table) const {
  auto contains = [](const std::vector<std::string>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  // Compares "schema.table" entries without building the qualified name: callers may ask
  // once per change.
  auto contains_table = [schema, table](const std::vector<std::string>& list) {
    return std::any_of(list.begin(), list.end(), [schema, table](std::string_view entry) {
      return entry.size() == schema.size() + 1 + table.size() &&
             entry.substr(0, schema.size()) == schema && entry[schema.size()] == '.' &&
             entry.substr(schema.size() + 1) == table;
    });
  };
  if (contains(exclude_schemas, schema) || contains_table(exclude_tables)) return false;
  if (include_tables.empty() && include_schemas.empty()) return true;
  return contains(include_schemas, schema) || contains_table(include_tables);
}

}  // namespace sluice
