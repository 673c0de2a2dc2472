#pragma once
// MessageEncoder: builds the JSON message of /work/shared/spec/messages.md for one Change, in
// the Sequin envelope (default) or the Debezium envelope (`message_format: debezium`).
//
// Row rules (Sequin's): `record` is the new row for insert/update/read and the old row for
// delete, key columns only unless the table has REPLICA IDENTITY FULL. `changes` of an update
// holds the old values of the columns that changed when the old row is known (FULL), else {}.
// An unchanged TOAST value is filled from the old row when it is there (FULL); otherwise it
// renders as "unchanged_toast" and the column is listed in metadata.unchanged_toast_columns
// (a key present only in such messages). Truncates have `record` null.
//
// Threads: an encoder is immutable after construction; Encode may run on many threads at
// once. It shares the TypeRegistry, which must not be mutated while shared (type_registry.h).
#include <memory>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "config/config.h"
#include "pipeline/change.h"
#include "source/postgres/type_codec.h"
#include "source/postgres/type_registry.h"

namespace sluice {

// Who is sending: the sink (Sequin's "consumer") and the source database, as shown in
// metadata.consumer and metadata.database.
struct MessageContext {
  std::string sink_id, sink_name, database_id, database_name, database, hostname;
};

class MessageEncoder {
 public:
  // Which row of a change to render: the old one (a delete's record, Debezium's `before`)
  // or the new one.
  enum class Row { kNew, kOld };

  MessageEncoder(EncodingConfig options, MessageContext context,
                 std::shared_ptr<const pg::TypeRegistry> types);

  // Appends one JSON message for `change` to `out`. `change.relation` must be set.
  void Encode(const Change& change, std::string* out) const;

 private:
  void EncodeSequin(const Change& change, std::string* out) const;
  void EncodeDebezium(const Change& change, std::string* out) const;
  // Appends one row of `change` as a JSON object (column name -> value), collecting the
  // indexes of unchanged TOAST columns it could not fill.
  void AppendRow(const Change& change, Row row, std::vector<int>* unchanged_toast,
                 std::string* out) const;
  // Appends `changes` of an update: old values of changed columns, or {} if unknown.
  void AppendChanges(const Change& change, std::string* out) const;
  void AppendColumnValue(const ColumnDef& column, const Value& value, std::string* out) const;

  EncodingConfig options_;
  bool debezium_;  // message_format: debezium, else the Sequin envelope
  pg::CodecOptions codec_options_;
  std::shared_ptr<const pg::TypeRegistry> types_;
  // JSON fragments that never change, escaped once here instead of per message.
  std::string sequin_consumer_and_database_;  // ,"consumer":{...},"database":{...}
  std::string debezium_source_prefix_;        // "source":{"connector":..,"name":..,"db":..
};

// base64("<commit_lsn>:<commit_idx>"), the message's idempotency key.
std::string IdempotencyKey(Position position);

// The key column values as strings, in column order: from the new row, or the old row for
// deletes. SQL NULL gives "". Empty for truncates.
std::vector<std::string> RecordPks(const Change& change);

// Message group key: values of `group_columns` (indexes into the relation's columns; empty =
// the key columns) joined with ':', read like RecordPks. Indexes outside the relation (a
// column dropped since the caller looked) contribute "". For truncate: "".
std::string GroupKey(const Change& change, const std::vector<int>& group_columns);

}  // namespace sluice
