#pragma once
// Change: one decoded row change (or truncate) from the replication stream, with everything a
// sink needs to encode it. Changes are immutable once built and shared between sinks by
// ChangePtr, so one decode serves every sink.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/lsn.h"

namespace sluice {

enum class Action : uint8_t { kInsert, kUpdate, kDelete, kTruncate, kRead };

inline std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kInsert:
      return "insert";
    case Action::kUpdate:
      return "update";
    case Action::kDelete:
      return "delete";
    case Action::kTruncate:
      return "truncate";
    case Action::kRead:
      return "read";
  }
  return "insert";
}

inline std::optional<Action> ActionFromName(std::string_view name) {
  for (Action a :
       {Action::kInsert, Action::kUpdate, Action::kDelete, Action::kTruncate, Action::kRead}) {
    if (ActionName(a) == name) return a;
  }
  return std::nullopt;
}

struct ColumnDef {
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
  bool is_key = false;  // part of the replica identity (what a 'K' old tuple carries)
};

// A table's shape as the stream last described it. A new RelationDef is built on every
// Relation message (schema change); changes keep the one they were decoded with.
struct RelationDef {
  uint32_t oid = 0;
  std::string schema;
  std::string table;
  char replica_identity = 'd';  // d default (pk), n nothing, f full, i index
  std::vector<ColumnDef> columns;
  // Indexes into `columns` of the primary key, in key order (record_pks, message groups).
  // Tables without a primary key fall back to their replica identity columns.
  std::vector<int> key_columns;

  std::string QualifiedName() const { return schema + "." + table; }
};
using RelationPtr = std::shared_ptr<const RelationDef>;

enum class ValueKind : uint8_t { kNull, kUnchangedToast, kText };

// One column value in Postgres text form (pgoutput sends text unless binary is asked for).
struct Value {
  ValueKind kind = ValueKind::kNull;
  std::string text;
};
using Tuple = std::vector<Value>;

struct Change {
  Action action = Action::kInsert;
  RelationPtr relation;
  Tuple new_values;  // insert, update, read: the new row (one Value per relation column)
  Tuple old_values;  // update (if the server sent it) and delete: the old row or its key
  bool has_old = false;
  bool old_is_key_only = false;  // old tuple was 'K' (identity columns only; others null)
  Position position;             // commit LSN and index within the transaction
  Lsn end_lsn = 0;               // end LSN of the commit; confirming it skips this transaction
  int64_t commit_time_us = 0;    // commit timestamp, microseconds since the Unix epoch
  uint32_t xid = 0;
  // JSON text from pg_logical_emit_message(true, 'sluice:annotations', ...), or null.
  std::shared_ptr<const std::string> transaction_annotations;
};
using ChangePtr = std::shared_ptr<const Change>;

}  // namespace sluice
