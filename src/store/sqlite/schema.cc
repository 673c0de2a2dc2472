#include "store/sqlite/schema.h"

#include <iterator>
#include <string>

namespace sluice::sqlite {
namespace {

// Migration N (1-based) is kMigrations[N - 1]. Append only: never edit a released migration.
//
// Positions are stored as two integers (commit LSN, index); an LSN above 2^63 would sort
// wrongly, which Postgres cannot reach in practice.
//
// queue_messages: one row per idempotency key and queue, kept after the ack (body cleared) as
// a tombstone so a replayed message is not enqueued again. `is_head` marks the one message
// per group that Receive may hand out: the oldest unacknowledged one (every message is its
// own group when group_key is ""). Receive therefore scans only group heads, however deep a
// hot group's backlog is.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE sink_cursors (
  sink TEXT PRIMARY KEY,
  commit_lsn INTEGER NOT NULL,
  commit_idx INTEGER NOT NULL
);

CREATE TABLE parked_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sink TEXT NOT NULL,
  commit_lsn INTEGER NOT NULL,
  commit_idx INTEGER NOT NULL,
  group_key TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  action TEXT NOT NULL,
  schema_name TEXT NOT NULL,
  table_name TEXT NOT NULL,
  record_pks TEXT NOT NULL,
  body BLOB NOT NULL,
  commit_time_us INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL,
  last_error TEXT NOT NULL
);
CREATE INDEX parked_by_position ON parked_messages (sink, commit_lsn, commit_idx, id);
CREATE INDEX parked_failing_groups ON parked_messages (sink, group_key) WHERE state = 'failing';

CREATE TABLE queue_messages (
  id INTEGER PRIMARY KEY,
  queue TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  group_key TEXT NOT NULL,
  commit_lsn INTEGER NOT NULL,
  commit_idx INTEGER NOT NULL,
  body BLOB,
  is_head INTEGER NOT NULL,
  acked INTEGER NOT NULL DEFAULT 0,
  visible_at_ms INTEGER NOT NULL DEFAULT 0,
  deliver_count INTEGER NOT NULL DEFAULT 0,
  ack_token TEXT,
  acked_at_ms INTEGER,
  UNIQUE (queue, idempotency_key)
);
CREATE INDEX queue_pending_by_group
  ON queue_messages (queue, group_key, commit_lsn, commit_idx, id) WHERE acked = 0;
CREATE INDEX queue_heads ON queue_messages (queue, commit_lsn, commit_idx, id) WHERE is_head = 1;
CREATE INDEX queue_tombstones ON queue_messages (acked_at_ms) WHERE acked = 1;
)sql",
    // Counting in-flight messages (max_ack_pending) scans only the heads hidden until later.
    R"sql(
CREATE INDEX queue_heads_by_visibility ON queue_messages (queue, visible_at_ms) WHERE is_head = 1;
)sql",
};

constexpr int64_t kLatestVersion = static_cast<int64_t>(std::size(kMigrations));

Result<int64_t> CurrentVersion(Database& db) {
  SLUICE_RETURN_IF_ERROR(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);"
      "INSERT INTO schema_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version);"));
  Result<ScopedStatement> select = db.Prepare("SELECT version FROM schema_version");
  if (!select) return select.error();
  Result<bool> row = (*select)->Step();
  if (!row) return row.error();
  if (!*row) return Status::Fatal("state store: schema_version is empty");
  return (*select)->Int(0);
}

}  // namespace

Status Migrate(Database& db) {
  Result<int64_t> version = CurrentVersion(db);
  if (!version) return version.error();
  if (*version > kLatestVersion) {
    return Status::Fatal("state store schema version " + std::to_string(*version) +
                         " is newer than this sluice understands (" +
                         std::to_string(kLatestVersion) +
                         "); run a newer sluice or point server.data_dir elsewhere");
  }
  for (int64_t next = *version + 1; next <= kLatestVersion; ++next) {
    Transaction txn(db);
    SLUICE_RETURN_IF_ERROR(txn.Begin());
    SLUICE_RETURN_IF_ERROR(db.Exec(kMigrations[next - 1])
                               .WithContext("state store migration " + std::to_string(next)));
    Result<ScopedStatement> update = db.Prepare("UPDATE schema_version SET version = ?");
    if (!update) return update.error();
    SLUICE_RETURN_IF_ERROR((*update)->Bind(1, next).Run());
    SLUICE_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

}  // namespace sluice::sqlite
