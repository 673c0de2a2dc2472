#pragma once
// Type codec: renders one Postgres text-form value as JSON, per /work/shared/spec/messages.md
// "Values", appending straight into the caller's buffer (no allocation for scalar types).
//
// Assumes the server's default output styles on the replication session: DateStyle ISO,
// IntervalStyle postgres, bytea_output hex. The session TimeZone does not matter: timestamptz
// text carries its offset and is converted to UTC.
//
// Every function here is pure and thread-safe; the TypeRegistry must outlive the call.
// Text that does not parse as its type claims (never from a healthy server) renders as a JSON
// string of the text, so the output is valid JSON whatever the input.
#include <cstdint>
#include <string>
#include <string_view>

#include "source/postgres/type_registry.h"

namespace sluice::pg {

// The per-sink value options of messages.md (EncodingConfig in config/config.h).
struct CodecOptions {
  bool numeric_as_number = false;           // numeric: JSON number instead of string
  bool bytea_base64 = false;                // bytea: base64 instead of "\x.." hex text
  bool timestamp_unix_microsecond = false;  // timestamp(tz): integer microseconds since epoch
};

// Appends the JSON rendering of `text`, a value of type `type_oid` in Postgres text form.
// Unknown oids render as strings. SQL NULL is not a text value: callers write `null`.
void AppendJsonValue(const TypeRegistry& types, uint32_t type_oid, std::string_view text,
                     const CodecOptions& options, std::string* out);

// Appends `bytes` as standard base64 with padding (RFC 4648), without quotes.
void AppendBase64(std::string_view bytes, std::string* out);

// Appends "YYYY-MM-DDTHH:MM:SS.ffffffZ" for Unix-epoch microseconds, without quotes.
void AppendUtcTimestamp(int64_t unix_micros, std::string* out);

}  // namespace sluice::pg
