#pragma once
// StateStore: everything sluice must remember across restarts, behind one interface.
// The default implementation is embedded SQLite (store/sqlite/); tests may use others.
//
// Thread-safety: every method may be called from any thread concurrently.
// Every write is durable when the call returns OK (it is what "settled" means in DESIGN.md).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/lsn.h"
#include "common/status.h"

namespace sluice {

// A message parked in the store: failing (waiting for a retry), dead-lettered, or waiting
// behind an earlier failing message of its group.
struct ParkedMessage {
  int64_t id = 0;  // assigned by the store
  std::string sink;
  Position position;
  std::string group_key;
  std::string idempotency_key;
  std::string action;  // insert | update | delete | truncate | read
  std::string schema_name;
  std::string table_name;
  std::vector<std::string> record_pks;
  std::string body;
  int64_t commit_time_us = 0;
  int attempts = 0;                // deliveries tried so far
  int64_t next_attempt_at_ms = 0;  // Unix ms; 0 = as soon as its group allows
  std::string state = "failing";   // failing | dead_letter
  std::string last_error;
};

// A message in an http_pull queue.
struct QueuedMessage {
  std::string idempotency_key;  // the queue holds each key once, whatever replays happen
  std::string group_key;
  Position position;
  std::string body;
};

struct ReceivedMessage {
  std::string ack_id;
  std::string body;
  int deliver_count = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // Health probe for /health: OK when the store can be read and written.
  virtual Status Ping() = 0;

  // ---- Sink cursors: each sink's contiguous settled position, to skip replays. ----
  virtual Result<std::optional<Position>> LoadSinkCursor(std::string_view sink) = 0;
  virtual Status SaveSinkCursor(std::string_view sink, Position position) = 0;

  // ---- Parked messages (failing, dead letters, and those waiting behind them). ----
  // Appends messages; fills in their ids.
  virtual Status ParkMessages(std::span<ParkedMessage> messages) = 0;
  // All messages of `sink` in `state` ("failing", "dead_letter", or "" for all), oldest
  // position first, at most `limit`.
  virtual Result<std::vector<ParkedMessage>> ListParked(std::string_view sink,
                                                        std::string_view state, size_t limit) = 0;
  // Group keys of `sink` that have any failing (not dead-lettered) message.
  virtual Result<std::vector<std::string>> BlockedGroups(std::string_view sink) = 0;
  // Records a failed attempt: new attempt count, next attempt time, state and error.
  virtual Status UpdateParked(const ParkedMessage& message) = 0;
  virtual Status DeleteParked(std::span<const int64_t> ids) = 0;

  // ---- HTTP pull queues (one per http_pull sink). ----
  // Inserts each message unless its idempotency key is already in the queue (also after ack).
  virtual Status Enqueue(std::string_view queue, std::span<const QueuedMessage> messages) = 0;
  // Hands out up to `max` visible messages, at most one unacknowledged per group, oldest
  // first, and hides them for `visibility_timeout_ms`.
  virtual Result<std::vector<ReceivedMessage>> Receive(std::string_view queue, size_t max,
                                                       int64_t visibility_timeout_ms,
                                                       int64_t now_ms) = 0;
  virtual Status Ack(std::string_view queue, std::span<const std::string> ack_ids) = 0;
  virtual Status Nack(std::string_view queue, std::span<const std::string> ack_ids) = 0;
  // Messages not yet acknowledged.
  virtual Result<int64_t> QueueDepth(std::string_view queue) = 0;
  // Messages handed out by Receive whose visibility timeout has not passed at `now_ms` (for
  // the http_pull sink's max_ack_pending).
  virtual Result<int64_t> QueueInFlight(std::string_view queue, int64_t now_ms) = 0;
};

}  // namespace sluice
