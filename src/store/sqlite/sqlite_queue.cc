// SqliteStore: the HTTP pull queues (see the queue_messages notes in schema.cc).
#include <sqlite3.h>

#include <charconv>
#include <chrono>
#include <optional>

#include "store/sqlite/sqlite_store.h"

namespace sluice {
namespace {

using sqlite::ScopedStatement;
using sqlite::Transaction;

constexpr int64_t kPruneIntervalMs = 3600 * 1000;

struct AckId {
  int64_t row_id = 0;
  std::string token;
};

// 128 random bits from SQLite's CSPRNG (seeded from the OS), as hex.
std::string NewAckToken() {
  static constexpr char kHex[] = "0123456789abcdef";
  unsigned char bytes[16];
  sqlite3_randomness(sizeof bytes, bytes);
  std::string token;
  token.reserve(2 * sizeof bytes);
  for (unsigned char b : bytes) {
    token.push_back(kHex[b >> 4]);
    token.push_back(kHex[b & 0xf]);
  }
  return token;
}

// "<row id>-<token>"; nullopt for anything else (a consumer's typo acks nothing).
std::optional<AckId> ParseAckId(std::string_view text) {
  AckId id;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id.row_id);
  if (ec != std::errc() || end == text.data() + text.size() || *end != '-') return std::nullopt;
  id.token = std::string(end + 1, text.data() + text.size());
  if (id.token.empty()) return std::nullopt;
  return id;
}

// The result of a bound "SELECT count(*) ..." statement.
Result<int64_t> SingleCount(sqlite::Statement& count) {
  Result<bool> row = count.Step();
  if (!row) return row.error();
  return *row ? count.Int(0) : 0;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status SqliteStore::Enqueue(std::string_view queue, std::span<const QueuedMessage> messages) {
  std::lock_guard lock(mutex_);
  Transaction txn(*db_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  for (const QueuedMessage& m : messages) {
    // A message heads its group when the group has nothing else pending.
    Result<ScopedStatement> insert = db_->Prepare(
        "INSERT OR IGNORE INTO queue_messages "
        "(queue, idempotency_key, group_key, commit_lsn, commit_idx, body, is_head) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?3 = '' OR NOT EXISTS (SELECT 1 FROM queue_messages "
        "WHERE queue = ?1 AND group_key = ?3 AND acked = 0))");
    if (!insert) return insert.error();
    SLUICE_RETURN_IF_ERROR((*insert)
                               ->Bind(1, queue)
                               .Bind(2, m.idempotency_key)
                               .Bind(3, m.group_key)
                               .Bind(4, static_cast<int64_t>(m.position.commit_lsn))
                               .Bind(5, static_cast<int64_t>(m.position.commit_idx))
                               .Bind(6, m.body)
                               .Run());
  }
  return txn.Commit();
}

Result<std::vector<ReceivedMessage>> SqliteStore::Receive(std::string_view queue, size_t max,
                                                          int64_t visibility_timeout_ms,
                                                          int64_t now_ms) {
  std::vector<ReceivedMessage> out;
  if (max == 0) return out;
  std::lock_guard lock(mutex_);
  Transaction txn(*db_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  std::vector<int64_t> ids;
  {
    // A head that is not visible is in flight, which blocks its whole group. Walk the heads
    // in position order and stop at `max`: left to itself the planner takes the visibility
    // index, reads every visible head and sorts them, which is quadratic over a deep queue.
    Result<ScopedStatement> select = db_->Prepare(
        "SELECT id, body, deliver_count FROM queue_messages INDEXED BY queue_heads "
        "WHERE queue = ? AND is_head = 1 AND visible_at_ms <= ? "
        "ORDER BY commit_lsn, commit_idx, id LIMIT ?");
    if (!select) return select.error();
    (*select)->Bind(1, queue).Bind(2, now_ms).Bind(3, static_cast<int64_t>(max));
    while (true) {
      Result<bool> row = (*select)->Step();
      if (!row) return row.error();
      if (!*row) break;
      ids.push_back((*select)->Int(0));
      out.push_back(
          ReceivedMessage{"", (*select)->Text(1), static_cast<int>((*select)->Int(2)) + 1});
    }
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    std::string token = NewAckToken();
    Result<ScopedStatement> update = db_->Prepare(
        "UPDATE queue_messages SET ack_token = ?, visible_at_ms = ?, "
        "deliver_count = deliver_count + 1 WHERE id = ?");
    if (!update) return update.error();
    SLUICE_RETURN_IF_ERROR(
        (*update)->Bind(1, token).Bind(2, now_ms + visibility_timeout_ms).Bind(3, ids[i]).Run());
    out[i].ack_id = std::to_string(ids[i]) + "-" + token;
  }
  SLUICE_RETURN_IF_ERROR(txn.Commit());
  return out;
}

Status SqliteStore::Ack(std::string_view queue, std::span<const std::string> ack_ids) {
  std::lock_guard lock(mutex_);
  Transaction txn(*db_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  int64_t now_ms = NowMs();
  for (const std::string& text : ack_ids) {
    std::optional<AckId> id = ParseAckId(text);
    if (!id) continue;
    std::optional<std::string> group;
    {
      // Matching the token makes an ack id from an earlier (expired) delivery a no-op.
      Result<ScopedStatement> update = db_->Prepare(
          "UPDATE queue_messages SET acked = 1, is_head = 0, body = NULL, ack_token = NULL, "
          "acked_at_ms = ? WHERE id = ? AND queue = ? AND ack_token = ? AND acked = 0 "
          "RETURNING group_key");
      if (!update) return update.error();
      (*update)->Bind(1, now_ms).Bind(2, id->row_id).Bind(3, queue).Bind(4, id->token);
      Result<bool> row = (*update)->Step();
      if (!row) return row.error();
      if (*row) group = (*update)->Text(0);
    }
    if (group && !group->empty()) SLUICE_RETURN_IF_ERROR(PromoteNextHead(queue, *group));
  }
  SLUICE_RETURN_IF_ERROR(MaybePruneTombstones(now_ms));
  return txn.Commit();
}

Status SqliteStore::Nack(std::string_view queue, std::span<const std::string> ack_ids) {
  std::lock_guard lock(mutex_);
  Transaction txn(*db_);
  SLUICE_RETURN_IF_ERROR(txn.Begin());
  for (const std::string& text : ack_ids) {
    std::optional<AckId> id = ParseAckId(text);
    if (!id) continue;
    Result<ScopedStatement> update = db_->Prepare(
        "UPDATE queue_messages SET visible_at_ms = 0, ack_token = NULL "
        "WHERE id = ? AND queue = ? AND ack_token = ? AND acked = 0");
    if (!update) return update.error();
    SLUICE_RETURN_IF_ERROR((*update)->Bind(1, id->row_id).Bind(2, queue).Bind(3, id->token).Run());
  }
  return txn.Commit();
}

Result<int64_t> SqliteStore::QueueDepth(std::string_view queue) {
  std::lock_guard lock(mutex_);
  Result<ScopedStatement> count =
      db_->Prepare("SELECT count(*) FROM queue_messages WHERE queue = ? AND acked = 0");
  if (!count) return count.error();
  (*count)->Bind(1, queue);
  return SingleCount(**count);
}

Result<int64_t> SqliteStore::QueueInFlight(std::string_view queue, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  // Only a group's head is ever handed out, so in-flight messages are the hidden heads.
  Result<ScopedStatement> count = db_->Prepare(
      "SELECT count(*) FROM queue_messages "
      "WHERE queue = ? AND is_head = 1 AND visible_at_ms > ?");
  if (!count) return count.error();
  (*count)->Bind(1, queue).Bind(2, now_ms);
  return SingleCount(**count);
}

Status SqliteStore::PromoteNextHead(std::string_view queue, std::string_view group_key) {
  Result<ScopedStatement> update = db_->Prepare(
      "UPDATE queue_messages SET is_head = 1 WHERE id = (SELECT id FROM queue_messages "
      "WHERE queue = ?1 AND group_key = ?2 AND acked = 0 "
      "ORDER BY commit_lsn, commit_idx, id LIMIT 1)");
  if (!update) return update.error();
  return (*update)->Bind(1, queue).Bind(2, group_key).Run();
}

Status SqliteStore::MaybePruneTombstones(int64_t now_ms) {
  if (now_ms - last_prune_ms_ < kPruneIntervalMs) return Status::Ok();
  Result<ScopedStatement> del =
      db_->Prepare("DELETE FROM queue_messages WHERE acked = 1 AND acked_at_ms < ?");
  if (!del) return del.error();
  int64_t retention_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(kTombstoneRetention).count();
  SLUICE_RETURN_IF_ERROR((*del)->Bind(1, now_ms - retention_ms).Run());
  last_prune_ms_ = now_ms;
  return Status::Ok();
}

}  // namespace sluice
