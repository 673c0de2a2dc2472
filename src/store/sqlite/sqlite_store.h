#pragma once
// SqliteStore: the default StateStore, one SQLite database at <data_dir>/sluice.db.
//
// Durability: WAL journal with synchronous=FULL, so every write is fsynced before the call
// returns OK and survives kill -9 or power loss. Each call is one transaction.
//
// Thread-safety: all methods may be called from any thread; one mutex serialises them over a
// single connection (SQLite allows one writer at a time anyway, and a shared connection
// keeps the prepared-statement cache warm).
//
// HTTP pull queues: a message is handed out only when it is the oldest unacknowledged one of
// its group, and while it is in flight (received, not yet acked, nacked or expired) the rest
// of its group waits. Ack ids are "<row id>-<random hex>"; a redelivery draws a new random
// part, so an ack id from an expired delivery cannot acknowledge the new one.
// Acked messages leave a tombstone (key only) so replays are not enqueued again; tombstones
// older than kTombstoneRetention are pruned, long after any replay could still bring them.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "store/sqlite/sqlite_db.h"
#include "store/state_store.h"

namespace sluice {

class SqliteStore final : public StateStore {
 public:
  static constexpr std::chrono::hours kTombstoneRetention{24 * 7};

  // Creates `data_dir` if needed, opens or creates sluice.db in it and migrates the schema.
  // Fatal when the directory or database cannot be created or is damaged.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& data_dir);

  Status Ping() override;

  Result<std::optional<Position>> LoadSinkCursor(std::string_view sink) override;
  Status SaveSinkCursor(std::string_view sink, Position position) override;

  Status ParkMessages(std::span<ParkedMessage> messages) override;
  Result<std::vector<ParkedMessage>> ListParked(std::string_view sink, std::string_view state,
                                                size_t limit) override;
  Result<std::vector<std::string>> BlockedGroups(std::string_view sink) override;
  Status UpdateParked(const ParkedMessage& message) override;
  Status DeleteParked(std::span<const int64_t> ids) override;

  Status Enqueue(std::string_view queue, std::span<const QueuedMessage> messages) override;
  Result<std::vector<ReceivedMessage>> Receive(std::string_view queue, size_t max,
                                               int64_t visibility_timeout_ms,
                                               int64_t now_ms) override;
  Status Ack(std::string_view queue, std::span<const std::string> ack_ids) override;
  Status Nack(std::string_view queue, std::span<const std::string> ack_ids) override;
  Result<int64_t> QueueDepth(std::string_view queue) override;
  Result<int64_t> QueueInFlight(std::string_view queue, int64_t now_ms) override;

 private:
  explicit SqliteStore(std::unique_ptr<sqlite::Database> db) : db_(std::move(db)) {}

  // Marks the oldest unacknowledged message of `group_key` in `queue` as its group's head.
  // @locks mutex_ held, inside a transaction.
  Status PromoteNextHead(std::string_view queue, std::string_view group_key);
  // Deletes tombstones older than kTombstoneRetention, at most once an hour.
  // @locks mutex_ held, inside a transaction.
  Status MaybePruneTombstones(int64_t now_ms);

  std::mutex mutex_;
  std::unique_ptr<sqlite::Database> db_;  // GUARDED_BY(mutex_)
  int64_t last_prune_ms_ = 0;             // GUARDED_BY(mutex_)
};

}  // namespace sluice
