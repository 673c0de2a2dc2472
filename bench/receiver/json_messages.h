#pragma once
// Turns delivered JSON (sluice's Sequin-shaped messages or Debezium envelopes without schemas)
// into Arrivals. Not thread-safe: each reader thread owns its own JsonMessages.
#include <simdjson.h>

#include <string_view>
#include <vector>

#include "arrival.h"

namespace sluice::bench {

// Parses "2026-11-24T06:37:13.123456Z" (or with a +hh:mm offset) to Unix microseconds.
// Returns false when `text` is not such a timestamp.
bool ParseIsoMicros(std::string_view text, int64_t* micros);

class JsonMessages {
 public:
  // Accepts a webhook body: {"data": [msg, ...]} (sluice batch), [msg, ...] (Debezium batch)
  // or a single msg. Appends one Arrival per message to `out`; returns false and sets `error`
  // on anything it cannot read. Arrival::table points into this parser: use before the next
  // call.
  bool ParseBody(std::string_view body, std::vector<Arrival>* out, std::string* error);

  // One message of either shape.
  bool ParseMessage(simdjson::dom::element msg, std::vector<Arrival>* out, std::string* error);

  // A sluice message split into fields, as the redis_stream sink writes it.
  bool ParseSplitMessage(std::string_view action, std::string_view record_json,
                         std::string_view metadata_json, std::vector<Arrival>* out,
                         std::string* error);

 private:
  simdjson::dom::parser parser_;
  simdjson::dom::parser record_parser_;
};

}  // namespace sluice::bench
