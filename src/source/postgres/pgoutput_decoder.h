#pragma once
// PgOutputDecoder: turns pgoutput logical replication messages (protocol versions 1-4) into
// calls on a DecodeHandler. Byte layouts: Postgres docs, "Logical Replication Message Formats".
//
// Supported: Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate, Message,
// Stream Start/Stop/Commit/Abort. Two-phase messages (Begin Prepare, Prepare, Commit Prepared,
// Rollback Prepared, Stream Prepare) are rejected with a fatal Status: sluice never asks for
// two_phase, so seeing them means the slot was set up by someone else.
//
// Inside a stream block (Stream Start .. Stream Stop) every data message carries the xid of
// the (sub)transaction that made it; the decoder tracks the block from the Start/Stop messages.
//
// Errors: malformed or truncated input, or a change for a relation the stream never described,
// gives a permanent Status naming the message and what was wrong; the decoder never reads out
// of bounds and never throws. After an error the stream position is unknown: reconnect.
//
// Threads: one decoder per replication connection, called on the replication thread only.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/lsn.h"
#include "common/status.h"
#include "pipeline/change.h"
#include "source/postgres/relation_cache.h"

namespace sluice::pg {

// Microseconds between the Unix epoch and the Postgres epoch (2000-01-01 00:00:00 UTC).
inline constexpr int64_t kPostgresEpochUnixMicros = 946684800LL * 1000000;

struct BeginMessage {
  Lsn final_lsn;
  int64_t commit_time_us;  // Unix epoch
  uint32_t xid;
};
struct CommitMessage {
  Lsn commit_lsn;
  Lsn end_lsn;
  int64_t commit_time_us;
};
struct StreamStartMessage {
  uint32_t xid;
  bool first_segment;
};
struct StreamCommitMessage {
  uint32_t xid;
  Lsn commit_lsn;
  Lsn end_lsn;
  int64_t commit_time_us;
};
struct StreamAbortMessage {
  uint32_t xid;
  uint32_t subxid;  // == xid when the whole transaction aborted
};
struct LogicalMessage {
  uint32_t xid;  // the stream's (sub)transaction xid inside a stream block, else 0
  bool transactional;
  Lsn lsn;
  std::string prefix;
  std::string content;
};

// Receives decoded messages. Implemented by the replication code; called synchronously from
// PgOutputDecoder::Decode on the replication thread.
class DecodeHandler {
 public:
  virtual ~DecodeHandler() = default;
  virtual void OnBegin(const BeginMessage&) = 0;
  virtual void OnCommit(const CommitMessage&) = 0;
  // A row change, or one truncate per truncated table. change.position, end_lsn,
  // commit_time_us are left 0 (the caller fills them); change.xid is the top-level xid of
  // the Begin or Stream Start around it. stream_xid: the xid carried by the message inside a
  // stream block (0 outside streams).
  virtual void OnChange(uint32_t stream_xid, Change&& change) = 0;
  virtual void OnLogicalMessage(const LogicalMessage&) = 0;
  virtual void OnStreamStart(const StreamStartMessage&) = 0;
  virtual void OnStreamStop() = 0;
  virtual void OnStreamCommit(const StreamCommitMessage&) = 0;
  virtual void OnStreamAbort(const StreamAbortMessage&) = 0;
};

class PgOutputDecoder {
 public:
  // Decodes one pgoutput message: the payload of an XLogData ('w') CopyData message after
  // its 25-byte header ('w' + 3 x int64). Calls the handler synchronously. `payload` need
  // only live for the call: everything kept is copied.
  Status Decode(std::string_view payload, DecodeHandler& handler);

  const RelationCache& relations() const { return relations_; }

  // Names of a table's primary-key columns in key order, or nullopt when it has none (or
  // they cannot be read). Asked on every Relation message; without it, or for tables without
  // a primary key, the replica identity columns stand in.
  using PrimaryKeyLookup = std::function<std::optional<std::vector<std::string>>(uint32_t oid)>;
  void set_primary_key_lookup(PrimaryKeyLookup lookup) { primary_key_lookup_ = std::move(lookup); }

 private:
  void SetKeyColumns(RelationDef& relation) const;

  RelationCache relations_;
  PrimaryKeyLookup primary_key_lookup_;
  bool in_stream_ = false;    // between Stream Start and Stream Stop
  uint32_t current_xid_ = 0;  // top-level xid of the last Begin or Stream Start
};

}  // namespace sluice::pg
