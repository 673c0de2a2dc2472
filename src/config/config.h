#pragma once
// The typed configuration of sluice.yaml (shared/spec/config.md). Built by LoadConfig, which
// validates everything it can without connecting anywhere.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/node.h"
#include "pipeline/change.h"

namespace sluice {

struct ServerConfig {
  std::string listen = "127.0.0.1:7433";
  std::vector<std::string> api_tokens;
  std::string data_dir = "./sluice-data";
  std::string log_format = "text";  // text | json
};

struct SslConfig {
  std::string mode = "disable";  // disable | require | verify-ca | verify-full
  std::string root_cert;
};

struct SlotConfig {
  std::string name = "sluice_slot";
  bool create_if_not_exists = true;
};

struct PublicationConfig {
  std::string name = "sluice_pub";
  bool create_if_not_exists = true;
};

struct DatabaseConfig {
  std::string name;
  std::string url;  // when set, wins over the fields below
  std::string hostname = "localhost";
  int port = 5432;
  std::string database;
  std::string username = "postgres";
  std::string password;
  SslConfig ssl;
  SlotConfig slot;
  PublicationConfig publication;
  std::chrono::milliseconds heartbeat_interval{15000};

  // libpq connection string; `replication` adds replication=database.
  std::string ConnInfo(bool replication) const;
};

struct HttpEndpointConfig {
  std::string name;
  std::string url;
  std::map<std::string, std::string> headers;
};

struct FunctionConfig {
  std::string name;
  std::string type;  // filter | transform | routing
  std::string code;
};

// Which tables a sink reads. Names are "schema.table"; empty include lists mean "all".
struct TableSelection {
  std::vector<std::string> include_tables;
  std::vector<std::string> exclude_tables;
  std::vector<std::string> include_schemas;
  std::vector<std::string> exclude_schemas;
  bool Matches(std::string_view schema, std::string_view table) const;
};

struct TableSettings {
  std::string name;  // schema.table
  std::vector<std::string> group_column_names;
};

struct RetryConfig {
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{60000};
};

struct EncodingConfig {
  std::string message_format = "sequin";    // sequin | debezium
  bool numeric_as_number = false;           // `numeric: number`
  bool bytea_base64 = false;                // `bytea: base64`
  bool timestamp_unix_microsecond = false;  // `timestamp_format: unix_microsecond`
};

// One entry of `initial_backfill: [{table, where}]`.
struct BackfillTable {
  std::string table;  // schema.table
  std::string where;  // optional SQL condition
};

struct SinkConfig {
  std::string name;
  std::string database;  // name in `databases`; defaults to the only database
  TableSelection source;
  std::vector<TableSettings> tables;
  std::set<Action> actions = {Action::kInsert, Action::kUpdate, Action::kDelete, Action::kRead};
  std::string where;
  std::string filter, transform, routing;  // function names
  EncodingConfig encoding;
  bool message_grouping = true;
  int batch_size = 100;                        // messages per batch
  int64_t batch_max_bytes = 1 << 20;           // bytes per batch
  std::chrono::milliseconds batch_timeout{5};  // how long a partial batch may wait
  std::optional<int> max_retry_count;          // nullopt: retry forever
  std::string dead_letter;                     // another sink's name, or "" (kept in the store)
  // `initial_backfill`: true backfills every selected table when the sink is created; a
  // list backfills just those tables (false/absent: none).
  bool initial_backfill_all = false;
  std::vector<BackfillTable> initial_backfill;
  RetryConfig retry;
  std::string destination_type;
  // The raw `destination` mapping; each sink type parses its own fields from it.
  std::optional<ConfigNode> destination;
};

struct Config {
  std::string file;  // where it was loaded from ("" when from a string)
  ServerConfig server;
  std::vector<DatabaseConfig> databases;
  std::vector<HttpEndpointConfig> http_endpoints;
  std::vector<FunctionConfig> functions;
  std::vector<SinkConfig> sinks;

  const DatabaseConfig* FindDatabase(std::string_view name) const;
  const HttpEndpointConfig* FindHttpEndpoint(std::string_view name) const;
};

// Validates a sink's `destination` mapping; supplied by the sink registry so that config/
// does not depend on sinks/. It records errors on the node it is given and reads every key
// it knows; ParseConfig then rejects the keys it did not read (`type` is read already).
// Nested mappings it opens (GetMap) it checks for unknown keys itself.
using DestinationValidator = void (*)(const std::string& type, ConfigNode& destination,
                                      const Config& config);

// Parses and validates YAML text (after ${VAR} / ${VAR:-default} substitution). On failure the
// Status lists every problem, one per line, as "<file>:<line>:<col>: <path>: <message>".
// `file_name` names the text in errors, and its directory is where `functions[].file` paths
// are resolved (the working directory when it has none). A null `validate_destination` skips
// destination checks (only `type` is read).
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& file_name,
                           DestinationValidator validate_destination);
// Reads `path` and parses it; an unreadable file is an error naming the path.
Result<Config> LoadConfigFile(const std::string& path, DestinationValidator validate_destination);

}  // namespace sluice
