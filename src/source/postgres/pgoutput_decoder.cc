#include "source/postgres/pgoutput_decoder.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "source/postgres/byte_reader.h"

namespace sluice::pg {
namespace {

// One-byte message tags (Postgres src/include/replication/logicalproto.h).
enum Tag : uint8_t {
  kBegin = 'B',
  kCommit = 'C',
  kOrigin = 'O',
  kRelation = 'R',
  kType = 'Y',
  kInsert = 'I',
  kUpdate = 'U',
  kDelete = 'D',
  kTruncate = 'T',
  kMessage = 'M',
  kStreamStart = 'S',
  kStreamStop = 'E',
  kStreamCommit = 'c',
  kStreamAbort = 'A',
  kBeginPrepare = 'b',
  kPrepare = 'P',
  kCommitPrepared = 'K',
  kRollbackPrepared = 'r',
  kStreamPrepare = 'p',
};

Status Malformed(std::string_view message, std::string_view what) {
  std::string text = "malformed pgoutput ";
  text.append(message).append(" message: ").append(what);
  return Status::Permanent(std::move(text));
}

int64_t ToUnixMicros(int64_t postgres_micros) {
  // Wrapping add: a garbage timestamp must not be undefined behaviour.
  return static_cast<int64_t>(static_cast<uint64_t>(postgres_micros) +
                              static_cast<uint64_t>(kPostgresEpochUnixMicros));
}

Status ExpectEnd(const ByteReader& in, std::string_view message) {
  if (in.empty()) return Status::Ok();
  return Malformed(message, std::to_string(in.remaining()) + " unexpected trailing bytes");
}

// Reads TupleData into `tuple`; the relation says how many columns to expect.
Status ReadTuple(ByteReader& in, const RelationDef& relation, std::string_view message,
                 Tuple* tuple) {
  uint16_t column_count;
  if (!in.ReadU16(&column_count)) return Malformed(message, "truncated tuple column count");
  if (column_count != relation.columns.size()) {
    return Malformed(message, "tuple has " + std::to_string(column_count) +
                                  " columns but relation " + relation.QualifiedName() + " has " +
                                  std::to_string(relation.columns.size()));
  }
  tuple->resize(column_count);
  for (uint16_t column_idx = 0; column_idx < column_count; ++column_idx) {
    Value& value = (*tuple)[column_idx];
    uint8_t kind;
    if (!in.ReadU8(&kind)) return Malformed(message, "truncated tuple data");
    switch (kind) {
      case 'n':
        value.kind = ValueKind::kNull;
        break;
      case 'u':
        value.kind = ValueKind::kUnchangedToast;
        break;
      case 't':
      case 'b': {  // binary values are kept as their bytes, in the text field
        uint32_t length;
        std::string_view bytes;
        if (!in.ReadU32(&length) || !in.ReadBytes(length, &bytes)) {
          return Malformed(message, "truncated value of column " + std::to_string(column_idx));
        }
        value.kind = ValueKind::kText;
        value.text.assign(bytes.data(), bytes.size());
        break;
      }
      default:
        return Malformed(message, "unknown tuple value kind " + std::to_string(kind) +
                                      " at column " + std::to_string(column_idx));
    }
  }
  return Status::Ok();
}

}  // namespace

Status PgOutputDecoder::Decode(std::string_view payload, DecodeHandler& handler) {
  ByteReader in(payload);
  uint8_t tag;
  if (!in.ReadU8(&tag)) return Malformed("(empty)", "no message type byte");

  // Data messages carry the (sub)transaction xid first inside a stream block.
  auto read_stream_xid = [&](std::string_view message, uint32_t* stream_xid) {
    *stream_xid = 0;
    if (in_stream_ && !in.ReadU32(stream_xid)) return Malformed(message, "truncated xid");
    return Status::Ok();
  };
  // Reads the relation oid of a data message and finds its definition.
  auto read_relation = [&](std::string_view message, RelationPtr* relation) {
    uint32_t oid;
    if (!in.ReadU32(&oid)) return Malformed(message, "truncated relation oid");
    const RelationPtr* found = relations_.Find(oid);
    if (found == nullptr) {
      return Status::Permanent("pgoutput " + std::string(message) + " for relation oid " +
                               std::to_string(oid) +
                               " that the stream never described (no Relation message)");
    }
    *relation = *found;
    return Status::Ok();
  };

  switch (tag) {
    case kBegin: {
      BeginMessage begin;
      int64_t time;
      if (!in.ReadU64(&begin.final_lsn) || !in.ReadI64(&time) || !in.ReadU32(&begin.xid)) {
        return Malformed("Begin", "truncated");
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Begin"));
      begin.commit_time_us = ToUnixMicros(time);
      current_xid_ = begin.xid;
      handler.OnBegin(begin);
      return Status::Ok();
    }
    case kCommit: {
      CommitMessage commit;
      uint8_t flags;
      int64_t time;
      if (!in.ReadU8(&flags) || !in.ReadU64(&commit.commit_lsn) || !in.ReadU64(&commit.end_lsn) ||
          !in.ReadI64(&time)) {
        return Malformed("Commit", "truncated");
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Commit"));
      commit.commit_time_us = ToUnixMicros(time);
      handler.OnCommit(commit);
      return Status::Ok();
    }
    case kOrigin: {
      // Changes replayed from another node's origin; nothing for sluice to do with the name.
      uint64_t origin_lsn;
      std::string_view name;
      if (!in.ReadU64(&origin_lsn) || !in.ReadCString(&name)) {
        return Malformed("Origin", "truncated");
      }
      return ExpectEnd(in, "Origin");
    }
    case kRelation: {
      uint32_t stream_xid;
      SLUICE_RETURN_IF_ERROR(read_stream_xid("Relation", &stream_xid));
      auto relation = std::make_shared<RelationDef>();
      std::string_view schema, table;
      uint8_t identity;
      uint16_t column_count;
      if (!in.ReadU32(&relation->oid) || !in.ReadCString(&schema) || !in.ReadCString(&table) ||
          !in.ReadU8(&identity) || !in.ReadU16(&column_count)) {
        return Malformed("Relation", "truncated header");
      }
      relation->schema.assign(schema);
      relation->table.assign(table);
      relation->replica_identity = static_cast<char>(identity);
      relation->columns.resize(column_count);
      for (ColumnDef& column : relation->columns) {
        uint8_t flags;
        std::string_view name;
        if (!in.ReadU8(&flags) || !in.ReadCString(&name) || !in.ReadU32(&column.type_oid) ||
            !in.ReadI32(&column.type_modifier)) {
          return Malformed("Relation", "truncated column list of " + relation->QualifiedName());
        }
        column.name.assign(name);
        column.is_key = (flags & 1) != 0;
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Relation"));
      SetKeyColumns(*relation);
      relations_.Put(std::move(relation));
      return Status::Ok();
    }
    case kType: {
      uint32_t stream_xid, oid;
      SLUICE_RETURN_IF_ERROR(read_stream_xid("Type", &stream_xid));
      std::string_view schema, name;
      if (!in.ReadU32(&oid) || !in.ReadCString(&schema) || !in.ReadCString(&name)) {
        return Malformed("Type", "truncated");
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Type"));
      relations_.PutType(oid, StreamType{std::string(schema), std::string(name)});
      return Status::Ok();
    }
    case kInsert: {
      uint32_t stream_xid;
      SLUICE_RETURN_IF_ERROR(read_stream_xid("Insert", &stream_xid));
      Change change;
      change.action = Action::kInsert;
      change.xid = current_xid_;
      SLUICE_RETURN_IF_ERROR(read_relation("Insert", &change.relation));
      uint8_t marker;
      if (!in.ReadU8(&marker) || marker != 'N') return Malformed("Insert", "missing 'N' tuple");
      SLUICE_RETURN_IF_ERROR(ReadTuple(in, *change.relation, "Insert", &change.new_values));
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Insert"));
      handler.OnChange(stream_xid, std::move(change));
      return Status::Ok();
    }
    case kUpdate:
    case kDelete: {
      const bool is_update = tag == kUpdate;
      std::string_view message = is_update ? "Update" : "Delete";
      uint32_t stream_xid;
      SLUICE_RETURN_IF_ERROR(read_stream_xid(message, &stream_xid));
      Change change;
      change.action = is_update ? Action::kUpdate : Action::kDelete;
      change.xid = current_xid_;
      SLUICE_RETURN_IF_ERROR(read_relation(message, &change.relation));
      uint8_t marker;
      if (!in.ReadU8(&marker)) return Malformed(message, "truncated before tuple");
      // 'K': old key (replica identity DEFAULT/INDEX), 'O': old row (FULL). Optional for
      // updates (sent only when the key changed or identity is FULL), required for deletes.
      if (marker == 'K' || marker == 'O') {
        change.has_old = true;
        change.old_is_key_only = marker == 'K';
        SLUICE_RETURN_IF_ERROR(ReadTuple(in, *change.relation, message, &change.old_values));
        if (is_update && !in.ReadU8(&marker)) return Malformed(message, "missing new tuple");
      } else if (!is_update) {
        return Malformed(message, "expected 'K' or 'O' tuple");
      }
      if (is_update) {
        if (marker != 'N') return Malformed(message, "expected 'N' tuple");
        SLUICE_RETURN_IF_ERROR(ReadTuple(in, *change.relation, message, &change.new_values));
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, message));
      handler.OnChange(stream_xid, std::move(change));
      return Status::Ok();
    }
    case kTruncate: {
      uint32_t stream_xid, relation_count;
      uint8_t options;
      SLUICE_RETURN_IF_ERROR(read_stream_xid("Truncate", &stream_xid));
      if (!in.ReadU32(&relation_count) || !in.ReadU8(&options)) {
        return Malformed("Truncate", "truncated header");
      }
      if (in.remaining() != static_cast<uint64_t>(relation_count) * 4) {
        return Malformed("Truncate", "relation count " + std::to_string(relation_count) +
                                         " does not match " + std::to_string(in.remaining()) +
                                         " bytes of oids");
      }
      // Resolve every oid before emitting anything, so an error emits no partial truncate.
      std::vector<RelationPtr> truncated(relation_count);
      for (RelationPtr& relation : truncated) {
        SLUICE_RETURN_IF_ERROR(read_relation("Truncate", &relation));
      }
      for (RelationPtr& relation : truncated) {
        Change change;
        change.action = Action::kTruncate;
        change.xid = current_xid_;
        change.relation = std::move(relation);
        handler.OnChange(stream_xid, std::move(change));
      }
      return Status::Ok();
    }
    case kMessage: {
      LogicalMessage message;
      SLUICE_RETURN_IF_ERROR(read_stream_xid("Message", &message.xid));
      uint8_t flags;
      std::string_view prefix, content;
      uint32_t length;
      if (!in.ReadU8(&flags) || !in.ReadU64(&message.lsn) || !in.ReadCString(&prefix) ||
          !in.ReadU32(&length) || !in.ReadBytes(length, &content)) {
        return Malformed("Message", "truncated");
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Message"));
      message.transactional = (flags & 1) != 0;
      message.prefix.assign(prefix);
      message.content.assign(content);
      handler.OnLogicalMessage(message);
      return Status::Ok();
    }
    case kStreamStart: {
      StreamStartMessage start;
      uint8_t first;
      if (!in.ReadU32(&start.xid) || !in.ReadU8(&first)) {
        return Malformed("Stream Start", "truncated");
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Stream Start"));
      if (in_stream_) return Malformed("Stream Start", "inside another stream block");
      start.first_segment = first == 1;
      in_stream_ = true;
      current_xid_ = start.xid;
      handler.OnStreamStart(start);
      return Status::Ok();
    }
    case kStreamStop: {
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Stream Stop"));
      if (!in_stream_) return Malformed("Stream Stop", "outside a stream block");
      in_stream_ = false;
      handler.OnStreamStop();
      return Status::Ok();
    }
    case kStreamCommit: {
      StreamCommitMessage commit;
      uint8_t flags;
      int64_t time;
      if (!in.ReadU32(&commit.xid) || !in.ReadU8(&flags) || !in.ReadU64(&commit.commit_lsn) ||
          !in.ReadU64(&commit.end_lsn) || !in.ReadI64(&time)) {
        return Malformed("Stream Commit", "truncated");
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Stream Commit"));
      commit.commit_time_us = ToUnixMicros(time);
      handler.OnStreamCommit(commit);
      return Status::Ok();
    }
    case kStreamAbort: {
      StreamAbortMessage abort;
      if (!in.ReadU32(&abort.xid) || !in.ReadU32(&abort.subxid)) {
        return Malformed("Stream Abort", "truncated");
      }
      // Protocol 4 with streaming 'parallel' appends the abort LSN and timestamp.
      uint64_t abort_lsn;
      int64_t abort_time;
      if (!in.empty() && (!in.ReadU64(&abort_lsn) || !in.ReadI64(&abort_time))) {
        return Malformed("Stream Abort", "truncated abort LSN and time");
      }
      SLUICE_RETURN_IF_ERROR(ExpectEnd(in, "Stream Abort"));
      handler.OnStreamAbort(abort);
      return Status::Ok();
    }
    case kBeginPrepare:
    case kPrepare:
    case kCommitPrepared:
    case kRollbackPrepared:
    case kStreamPrepare:
      return Status::Fatal(std::string("pgoutput two-phase message '") + static_cast<char>(tag) +
                           "' received, but sluice does not enable two_phase: recreate the slot "
                           "without two_phase");
    default:
      return Malformed("(unknown)", "unknown message type byte " + std::to_string(tag));
  }
}

void PgOutputDecoder::SetKeyColumns(RelationDef& relation) const {
  relation.key_columns.clear();
  if (primary_key_lookup_) {
    if (auto names = primary_key_lookup_(relation.oid)) {
      for (const std::string& name : *names) {
        for (size_t i = 0; i < relation.columns.size(); ++i) {
          if (relation.columns[i].name == name) relation.key_columns.push_back(static_cast<int>(i));
        }
      }
      if (relation.key_columns.size() == names->size()) return;
      relation.key_columns.clear();  // a key column is not published: use the identity
    }
  }
  for (size_t i = 0; i < relation.columns.size(); ++i) {
    if (relation.columns[i].is_key) relation.key_columns.push_back(static_cast<int>(i));
  }
}

}  // namespace sluice::pg
