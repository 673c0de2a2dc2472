// SqliteStore: opening, health, sink cursors and parked messages. Queue operations are in
// sqlite_queue.cc.
#include "store/sqlite/sqlite_store.h"

#include <charconv>
#include <filesystem>
#include <limits>
#include <system_error>

#include "store/sqlite/schema.h"

namespace sluice {
namespace {

using sqlite::ScopedStatement;
using sqlite::Transaction;

// record_pks as one column: each value as "<byte length>:<bytes>", so any byte may occur.
std::string EncodePks(const std::vector<std::string>& pks) {
  std::string out;
  for (const auto& pk : pks) {
    out += std::to_string(pk.size());
    out += ':';
    out += pk;
  }
  return out;
}

std::vector<std::string> DecodePks(std::string_view text) {
  std::vector<std::string> pks;
  while (!text.empty()) {
    size_t length = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    size_t digits = static_cast<size_t>(end - text.data());
    // Only this file writes the column; a malformed value means a damaged row: stop there.
    if (ec != std::errc() || digits >= text.size() || text[digits] != ':' ||
        text.size() - digits - 1 < length) {
      break;
    }
    pks.emplace_back(text.substr(digits + 1, length));
    text.remove_prefix(digits + 1 + length);
  }
  return pks;
}

int64_t ClampLimit(size_t limit) {
  return limit > static_cast<size_t>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(limit);
}

// Applies the connection settings that make each commit durable, and checks WAL took effect.
Status Configure(sqlite::Database& db) {
  Result<ScopedStatement> wal = db.Prepare("PRAGMA journal_mode=WAL");
  if (!wal) return wal.error();
  Result<bool> row = (*wal)->Step();
  if (!row) return row.error();
  if (!*row || (*wal)->Text(0) != "wal") {
    return Status::Fatal("state store: the file system does not support SQLite WAL mode");
  }
  return db.Exec(
      "PRAGMA synchronous=FULL;"
      "PRAGMA cache_size=-16384;"
      "PRAGMA busy_timeout=5000;"
      "PRAGMA foreign_keys=ON;");
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return Status::Fatal("cannot create server.data_dir \"" + data_dir + "\": " + ec.message());
  }
  Result<std::unique_ptr<sqlite::Database>> db =
      sqlite::Database::Open((std::filesystem::path(data_dir) / "sluice.db").string());
  if (!db) return db.error();
  SLUICE_RETURN_IF_ERROR(Configure(**db));
  SLUICE_RETURN_IF_ERROR(sqlite::Migrate(**db));
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*db)));
}

Status SqliteStore::Ping() {
  std::lock_guard lock(mutex_);
  // Taking the write lock and reading proves both directions work without writing anything.
  Transaction txn(*db_);
  SLUICE_RETURN_IF_ERROR(txn.Begin().WithContext("state store"));
  Result<ScopedStatement> select = db_->Prepare("SELECT version FROM schema_version");
  if (!select) return select.error().WithContext("state store");
  Result<bool> row = (*select)->Step();
  if (!row) return row.error().WithContext("state store");
  return txn.Commit().WithContext("state store");
}

Result<std::optional<Position>> SqliteStore::LoadSinkCursor(std::string_view sink) {
  std::lock_guard lock(mutex_);
  Result<ScopedStatement> select =
      db_->Prepare("SELECT commit_lsn, commit_idx FROM sink_cursors WHERE sink = ?");
  if (!select) return select.error();
  (*select)->Bind(1, sink);
  Result<bool> row = (*select)->Step();
  if (!row) return row.error();
  if (!*row) return std::optional<Position>();
  return std::optional<Position>(
      Position{static_cast<Lsn>((*select)->Int(0)), static_cast<uint32_t>((*select)->Int(1))});
}

Status SqliteStore::SaveSinkCursor(std::string_view sink, Position position) {
  std::lock_guard lock(mutex_);
  Result<ScopedStatement> upsert = db_->Prepare(
      "INSERT INTO sink_cursors (sink, commit_lsn, commit_idx) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (sink) DO UPDATE SET commit_lsn = ?2, commit_idx = ?3");
  if (!upsert) return upsert.error();
  return (*upsert)
      ->Bind(1, sink)
      .Bind(2, static_cast<int64_t>(position.commit_lsn))
      .Bind(3, static_cast<int64_t>(position.commit_idx))
      .Run();
}

Status SqliteStore::ParkMessages(std::span<ParkedMessage> messages) {
  std::lock_guard lock(mutex_);
  Transaction txn(*db_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  for (ParkedMessage& m : messages) {
    Result<ScopedStatement> insert = db_->Prepare(
        "INSERT INTO parked_messages (sink, commit_lsn, commit_idx, group_key, "
        "idempotency_key, action, schema_name, table_name, record_pks, body, commit_time_us, "
        "attempts, next_attempt_at_ms, state, last_error) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!insert) return insert.error();
    SLUICE_RETURN_IF_ERROR((*insert)
                               ->Bind(1, m.sink)
                               .Bind(2, static_cast<int64_t>(m.position.commit_lsn))
                               .Bind(3, static_cast<int64_t>(m.position.commit_idx))
                               .Bind(4, m.group_key)
                               .Bind(5, m.idempotency_key)
                               .Bind(6, m.action)
                               .Bind(7, m.schema_name)
                               .Bind(8, m.table_name)
                               .Bind(9, EncodePks(m.record_pks))
                               .Bind(10, m.body)
                               .Bind(11, m.commit_time_us)
                               .Bind(12, static_cast<int64_t>(m.attempts))
                               .Bind(13, m.next_attempt_at_ms)
                               .Bind(14, m.state)
                               .Bind(15, m.last_error)
                               .Run());
    m.id = db_->LastInsertRowid();
  }
  return txn.Commit();
}

Result<std::vector<ParkedMessage>> SqliteStore::ListParked(std::string_view sink,
                                                           std::string_view state, size_t limit) {
  std::lock_guard lock(mutex_);
  Result<ScopedStatement> select = db_->Prepare(
      "SELECT id, commit_lsn, commit_idx, group_key, idempotency_key, action, schema_name, "
      "table_name, record_pks, body, commit_time_us, attempts, next_attempt_at_ms, state, "
      "last_error FROM parked_messages WHERE sink = ?1 AND (?2 = '' OR state = ?2) "
      "ORDER BY commit_lsn, commit_idx, id LIMIT ?3");
  if (!select) return select.error();
  (*select)->Bind(1, sink).Bind(2, state).Bind(3, ClampLimit(limit));
  std::vector<ParkedMessage> out;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    const sqlite::Statement& s = **select;
    ParkedMessage m;
    m.id = s.Int(0);
    m.sink = std::string(sink);
    m.position = Position{static_cast<Lsn>(s.Int(1)), static_cast<uint32_t>(s.Int(2))};
    m.group_key = s.Text(3);
    m.idempotency_key = s.Text(4);
    m.action = s.Text(5);
    m.schema_name = s.Text(6);
    m.table_name = s.Text(7);
    m.record_pks = DecodePks(s.Text(8));
    m.body = s.Text(9);
    m.commit_time_us = s.Int(10);
    m.attempts = static_cast<int>(s.Int(11));
    m.next_attempt_at_ms = s.Int(12);
    m.state = s.Text(13);
    m.last_error = s.Text(14);
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<std::string>> SqliteStore::BlockedGroups(std::string_view sink) {
  std::lock_guard lock(mutex_);
  Result<ScopedStatement> select = db_->Prepare(
      "SELECT DISTINCT group_key FROM parked_messages WHERE sink = ? AND state = 'failing' "
      "ORDER BY group_key");
  if (!select) return select.error();
  (*select)->Bind(1, sink);
  std::vector<std::string> groups;
  while (true) {
    Result<bool> row = (*select)->Step();
    if (!row) return row.error();
    if (!*row) break;
    groups.push_back((*select)->Text(0));
  }
  return groups;
}

Status SqliteStore::UpdateParked(const ParkedMessage& message) {
  std::lock_guard lock(mutex_);
  Result<ScopedStatement> update = db_->Prepare(
      "UPDATE parked_messages SET attempts = ?, next_attempt_at_ms = ?, state = ?, "
      "last_error = ? WHERE id = ?");
  if (!update) return update.error();
  SLUICE_RETURN_IF_ERROR((*update)
                             ->Bind(1, static_cast<int64_t>(message.attempts))
                             .Bind(2, message.next_attempt_at_ms)
                             .Bind(3, message.state)
                             .Bind(4, message.last_error)
                             .Bind(5, message.id)
                             .Run());
  if ((*update)->Changes() == 0) {
    return Status::Permanent("state store: no parked message with id " +
                             std::to_string(message.id));
  }
  return Status::Ok();
}

Status SqliteStore::DeleteParked(std::span<const int64_t> ids) {
  std::lock_guard lock(mutex_);
  Transaction txn(*db_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  for (int64_t id : ids) {
    Result<ScopedStatement> del = db_->Prepare("DELETE FROM parked_messages WHERE id = ?");
    if (!del) return del.error();
    SLUICE_RETURN_IF_ERROR((*del)->Bind(1, id).Run());
  }
  return txn.Commit();
}

}  // namespace sluice
