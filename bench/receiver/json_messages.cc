#include "json_messages.h"

#include <string>

namespace sluice::bench {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* value) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = v;
  return true;
}

bool KindFromSequin(std::string_view action, ChangeKind* kind) {
  if (action == "insert" || action == "read") {
    *kind = ChangeKind::kInsert;
  } else if (action == "update") {
    *kind = ChangeKind::kUpdate;
  } else if (action == "delete") {
    *kind = ChangeKind::kDelete;
  } else {
    return false;
  }
  return true;
}

bool KindFromDebezium(std::string_view op, ChangeKind* kind) {
  if (op == "c" || op == "r") {
    *kind = ChangeKind::kInsert;
  } else if (op == "u") {
    *kind = ChangeKind::kUpdate;
  } else if (op == "d") {
    *kind = ChangeKind::kDelete;
  } else {
    return false;
  }
  return true;
}

bool IdOf(simdjson::dom::element row, int64_t* id) {
  simdjson::dom::element v;
  if (row["id"].get(v) != simdjson::SUCCESS) return false;
  if (v.get_int64().get(*id) == simdjson::SUCCESS) return true;
  // Some encoders render int8 as a string; accept it rather than miscount.
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS || s.empty()) return false;
  int64_t parsed = 0;
  if (!Digits(s, 0, s.size(), &parsed)) return false;
  *id = parsed;
  return true;
}

bool ParseSequin(simdjson::dom::element msg, simdjson::dom::element metadata,
                 std::vector<Arrival>* out, std::string* error) {
  Arrival a;
  std::string_view action, ts;
  simdjson::dom::element record;
  if (msg["action"].get_string().get(action) != simdjson::SUCCESS ||
      !KindFromSequin(action, &a.kind)) {
    *error = "sluice message without a known action";
    return false;
  }
  if (metadata["table_name"].get_string().get(a.table) != simdjson::SUCCESS ||
      metadata["commit_timestamp"].get_string().get(ts) != simdjson::SUCCESS ||
      !ParseIsoMicros(ts, &a.commit_us)) {
    *error = "sluice message without metadata.table_name or a commit_timestamp";
    return false;
  }
  if (msg["record"].get(record) != simdjson::SUCCESS || !IdOf(record, &a.id)) {
    *error = "sluice message without record.id";
    return false;
  }
  out->push_back(a);
  return true;
}

bool ParseDebezium(simdjson::dom::element msg, simdjson::dom::element source,
                   std::vector<Arrival>* out, std::string* error) {
  Arrival a;
  std::string_view op;
  if (msg["op"].get_string().get(op) != simdjson::SUCCESS || !KindFromDebezium(op, &a.kind)) {
    *error = "Debezium event without a known op";
    return false;
  }
  if (source["table"].get_string().get(a.table) != simdjson::SUCCESS) {
    *error = "Debezium event without source.table";
    return false;
  }
  // ts_us exists since Debezium 2.6; older servers only give milliseconds.
  int64_t ts = 0;
  if (source["ts_us"].get_int64().get(ts) == simdjson::SUCCESS) {
    a.commit_us = ts;
  } else if (source["ts_ms"].get_int64().get(ts) == simdjson::SUCCESS) {
    a.commit_us = ts * 1000;
  } else {
    *error = "Debezium event without source.ts_us/ts_ms";
    return false;
  }
  simdjson::dom::element row;
  const char* row_field = a.kind == ChangeKind::kDelete ? "before" : "after";
  if (msg[row_field].get(row) != simdjson::SUCCESS || !IdOf(row, &a.id)) {
    *error = std::string("Debezium event without ") + row_field + ".id";
    return false;
  }
  out->push_back(a);
  return true;
}

}  // namespace

bool ParseIsoMicros(std::string_view t, int64_t* micros) {
  int64_t year, month, day, hour, minute, second;
  if (!Digits(t, 0, 4, &year) || t.size() < 19 || t[4] != '-' || !Digits(t, 5, 2, &month) ||
      t[7] != '-' || !Digits(t, 8, 2, &day) || (t[10] != 'T' && t[10] != ' ') ||
      !Digits(t, 11, 2, &hour) || t[13] != ':' || !Digits(t, 14, 2, &minute) || t[16] != ':' ||
      !Digits(t, 17, 2, &second)) {
    return false;
  }
  size_t pos = 19;
  int64_t frac = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      if (digits < 6) {
        frac = frac * 10 + (t[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    for (; digits < 6; ++digits) frac *= 10;
  }
  int64_t offset_s = 0;
  if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int64_t oh = 0, om = 0;
    if (!Digits(t, pos + 1, 2, &oh)) return false;
    size_t mpos = pos + 3 < t.size() && t[pos + 3] == ':' ? pos + 4 : pos + 3;
    if (mpos < t.size()) Digits(t, mpos, 2, &om);
    offset_s = (t[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
  }
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  *micros = ((days * 86400 + hour * 3600 + minute * 60 + second) - offset_s) * 1000000 + frac;
  return true;
}

bool JsonMessages::ParseMessage(simdjson::dom::element msg, std::vector<Arrival>* out,
                                std::string* error) {
  simdjson::dom::element inner;
  if (msg["metadata"].get(inner) == simdjson::SUCCESS) return ParseSequin(msg, inner, out, error);
  if (msg["source"].get(inner) == simdjson::SUCCESS) return ParseDebezium(msg, inner, out, error);
  // Debezium with schemas wraps the envelope in "payload".
  if (msg["payload"].get(inner) == simdjson::SUCCESS) return ParseMessage(inner, out, error);
  *error = "message is neither a sluice message nor a Debezium event";
  return false;
}

bool JsonMessages::ParseBody(std::string_view body, std::vector<Arrival>* out, std::string* error) {
  simdjson::dom::element doc;
  if (auto err = parser_.parse(body.data(), body.size()).get(doc); err != simdjson::SUCCESS) {
    *error = std::string("invalid JSON body: ") + simdjson::error_message(err);
    return false;
  }
  simdjson::dom::array items;
  if (doc.get_array().get(items) == simdjson::SUCCESS ||
      doc["data"].get_array().get(items) == simdjson::SUCCESS) {
    for (simdjson::dom::element item : items) {
      if (!ParseMessage(item, out, error)) return false;
    }
    return true;
  }
  return ParseMessage(doc, out, error);
}

bool JsonMessages::ParseSplitMessage(std::string_view action, std::string_view record_json,
                                     std::string_view metadata_json, std::vector<Arrival>* out,
                                     std::string* error) {
  simdjson::dom::element metadata, record;
  if (parser_.parse(metadata_json.data(), metadata_json.size()).get(metadata) !=
          simdjson::SUCCESS ||
      record_parser_.parse(record_json.data(), record_json.size()).get(record) !=
          simdjson::SUCCESS) {
    *error = "stream entry with invalid record/metadata JSON";
    return false;
  }
  // sluice writes every field as JSON, so the action arrives quoted; accept it bare too.
  if (action.size() >= 2 && action.front() == '"' && action.back() == '"') {
    action = action.substr(1, action.size() - 2);
  }
  Arrival a;
  std::string_view ts;
  if (!KindFromSequin(action, &a.kind) ||
      metadata["table_name"].get_string().get(a.table) != simdjson::SUCCESS ||
      metadata["commit_timestamp"].get_string().get(ts) != simdjson::SUCCESS ||
      !ParseIsoMicros(ts, &a.commit_us) || !IdOf(record, &a.id)) {
    *error = "stream entry without action, table_name, commit_timestamp or record.id";
    return false;
  }
  out->push_back(a);
  return true;
}

}  // namespace sluice::bench
