#include "source/postgres/type_codec.h"

#include <charconv>
#include <cstring>

#include "common/json_writer.h"

namespace sluice::pg {
namespace {

constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;
// Postgres arrays have at most 6 dimensions (MAXDIM).
constexpr int kMaxArrayDepth = 6;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void AppendInt(int64_t value, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, end - buf);
}

// JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view text) {
  size_t i = 0, n = text.size();
  if (i < n && text[i] == '-') ++i;
  if (i == n || !IsDigit(text[i])) return false;
  if (text[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(text[i])) ++i;
  }
  if (i < n && text[i] == '.') {
    if (++i == n || !IsDigit(text[i])) return false;
    while (i < n && IsDigit(text[i])) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    if (++i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (i == n || !IsDigit(text[i])) return false;
    while (i < n && IsDigit(text[i])) ++i;
  }
  return i == n;
}

void AppendNumberOrString(std::string_view text, std::string* out) {
  if (IsJsonNumber(text)) {
    out->append(text);
  } else {
    AppendJsonString(text, out);  // NaN, Infinity, -Infinity
  }
}

// Reads 1..max_digits decimal digits from the front of `text` into `value`.
bool ReadNumber(std::string_view* text, int max_digits, int64_t* value) {
  int64_t result = 0;
  int digits = 0;
  while (digits < static_cast<int>(text->size()) && IsDigit((*text)[digits])) {
    if (++digits > max_digits) return false;
    result = result * 10 + ((*text)[digits - 1] - '0');
  }
  if (digits == 0) return false;
  text->remove_prefix(digits);
  *value = result;
  return true;
}

bool ReadExactDigits(std::string_view* text, int count, int64_t* value) {
  if (static_cast<int>(text->size()) < count) return false;
  for (int i = 0; i < count; ++i) {
    if (!IsDigit((*text)[i])) return false;
  }
  return ReadNumber(text, count, value);
}

bool Consume(std::string_view* text, char c) {
  if (text->empty() || (*text)[0] != c) return false;
  text->remove_prefix(1);
  return true;
}

// Optional ".f{1,6}" as microseconds.
bool ReadFraction(std::string_view* text, int64_t* micros) {
  *micros = 0;
  if (!Consume(text, '.')) return true;
  size_t digits = 0;
  int64_t value = 0;
  while (digits < text->size() && IsDigit((*text)[digits])) {
    if (++digits > 6) return false;
    value = value * 10 + ((*text)[digits - 1] - '0');
  }
  if (digits == 0) return false;
  for (size_t pad = digits; pad < 6; ++pad) value *= 10;
  text->remove_prefix(digits);
  *micros = value;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

struct CivilDate {
  int64_t year, month, day;
};
CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t mp = (5 * day_of_year + 2) / 153;
  const int64_t day = day_of_year - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {year_of_era + era * 400 + (month <= 2), month, day};
}

// Parses ISO DateStyle "YYYY-MM-DD HH:MM:SS[.ffffff]" into Unix microseconds (as if UTC).
// Years of 4 to 6 digits (Postgres goes to 294276); BC dates are not parsed.
bool ParseDateTime(std::string_view* text, int64_t* unix_micros) {
  int64_t year, month, day, hour, minute, second, fraction;
  if (!ReadNumber(text, 6, &year) || !Consume(text, '-') || !ReadExactDigits(text, 2, &month) ||
      !Consume(text, '-') || !ReadExactDigits(text, 2, &day) || !Consume(text, ' ') ||
      !ReadExactDigits(text, 2, &hour) || !Consume(text, ':') ||
      !ReadExactDigits(text, 2, &minute) || !Consume(text, ':') ||
      !ReadExactDigits(text, 2, &second) || !ReadFraction(text, &fraction)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) {
    return false;
  }
  *unix_micros = DaysFromCivil(year, month, day) * kMicrosPerDay +
                 ((hour * 60 + minute) * 60 + second) * kMicrosPerSecond + fraction;
  return true;
}

// Parses a UTC offset "+HH", "+HH:MM" or "+HH:MM:SS" (either sign) into seconds east of UTC.
bool ParseOffset(std::string_view* text, int64_t* offset_seconds) {
  if (text->empty() || ((*text)[0] != '+' && (*text)[0] != '-')) return false;
  const int64_t sign = (*text)[0] == '-' ? -1 : 1;
  text->remove_prefix(1);
  int64_t hours, minutes = 0, seconds = 0;
  if (!ReadExactDigits(text, 2, &hours)) return false;
  if (Consume(text, ':')) {
    if (!ReadExactDigits(text, 2, &minutes)) return false;
    if (Consume(text, ':') && !ReadExactDigits(text, 2, &seconds)) return false;
  }
  *offset_seconds = sign * ((hours * 60 + minutes) * 60 + seconds);
  return true;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Writes `value` (0..99) as two digits.
char* PutTwoDigits(int64_t value, char* p) {
  p[0] = static_cast<char>('0' + value / 10);
  p[1] = static_cast<char>('0' + value % 10);
  return p + 2;
}

// Appends "YYYY-MM-DDTHH:MM:SS.ffffff"; false (appending nothing) before year 1. Formats into
// a local buffer and appends once: this runs for every timestamp of every message.
bool AppendIsoDateTime(int64_t unix_micros, std::string* out) {
  const int64_t days = FloorDiv(unix_micros, kMicrosPerDay);
  const int64_t micros_of_day = unix_micros - days * kMicrosPerDay;
  const CivilDate date = CivilFromDays(days);
  if (date.year < 1) return false;
  char buf[40];
  char* p = buf;
  if (date.year < 10000) {
    p = PutTwoDigits(date.year / 100, p);
    p = PutTwoDigits(date.year % 100, p);
  } else {
    p = std::to_chars(p, buf + 16, date.year).ptr;
  }
  *p++ = '-';
  p = PutTwoDigits(date.month, p);
  *p++ = '-';
  p = PutTwoDigits(date.day, p);
  *p++ = 'T';
  const int64_t seconds_of_day = micros_of_day / kMicrosPerSecond;
  p = PutTwoDigits(seconds_of_day / 3600, p);
  *p++ = ':';
  p = PutTwoDigits(seconds_of_day / 60 % 60, p);
  *p++ = ':';
  p = PutTwoDigits(seconds_of_day % 60, p);
  *p++ = '.';
  int64_t fraction = micros_of_day % kMicrosPerSecond;
  for (int i = 5; i >= 0; --i) {
    p[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  p += 6;
  out->append(buf, p - buf);
  return true;
}

// timestamp and timestamptz. `infinity`, BC dates and anything unparsable stay strings.
void AppendTimestamp(std::string_view text, bool with_zone, const CodecOptions& options,
                     std::string* out) {
  std::string_view rest = text;
  int64_t unix_micros, offset_seconds = 0;
  bool parsed = ParseDateTime(&rest, &unix_micros) &&
                (!with_zone || ParseOffset(&rest, &offset_seconds)) && rest.empty();
  if (parsed) {
    unix_micros -= offset_seconds * kMicrosPerSecond;
    if (options.timestamp_unix_microsecond) {
      AppendInt(unix_micros, out);
      return;
    }
    const size_t start = out->size();
    out->push_back('"');
    if (AppendIsoDateTime(unix_micros, out)) {
      if (with_zone) out->push_back('Z');
      out->push_back('"');
      return;
    }
    out->resize(start);
  }
  AppendJsonString(text, out);
}

// IntervalStyle postgres: "[N year[s]] [N mon[s]] [N day[s]] [[+-]H:MM:SS[.ffffff]]", each
// number signed, e.g. "1 year 2 mons -3 days +04:05:06.5" or "-00:00:01".
bool AppendInterval(std::string_view text, std::string* out) {
  int64_t months = 0, days = 0, micros = 0;
  bool any = false;
  while (!text.empty()) {
    int64_t sign = 1;
    if (text[0] == '-' || text[0] == '+') {
      sign = text[0] == '-' ? -1 : 1;
      text.remove_prefix(1);
    }
    int64_t number;
    if (!ReadNumber(&text, 10, &number)) return false;
    any = true;
    if (Consume(&text, ':')) {  // the time part, always last
      int64_t minutes, seconds, fraction;
      if (!ReadExactDigits(&text, 2, &minutes) || !Consume(&text, ':') ||
          !ReadExactDigits(&text, 2, &seconds) || !ReadFraction(&text, &fraction) ||
          !text.empty()) {
        return false;
      }
      micros = sign * (((number * 60 + minutes) * 60 + seconds) * kMicrosPerSecond + fraction);
      break;
    }
    if (!Consume(&text, ' ')) return false;
    size_t unit_end = text.find(' ');
    std::string_view unit = text.substr(0, unit_end);
    text.remove_prefix(unit_end == std::string_view::npos ? text.size() : unit_end + 1);
    if (unit == "year" || unit == "years") {
      months += sign * number * 12;
    } else if (unit == "mon" || unit == "mons") {
      months += sign * number;
    } else if (unit == "day" || unit == "days") {
      days += sign * number;
    } else {
      return false;
    }
  }
  if (!any) return false;
  out->append("{\"months\":");
  AppendInt(months, out);
  out->append(",\"days\":");
  AppendInt(days, out);
  out->append(",\"microseconds\":");
  AppendInt(micros, out);
  out->push_back('}');
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// bytea_output hex ("\x0a0b") to base64. False when the text is not hex form.
bool AppendByteaBase64(std::string_view text, std::string* out) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return false;
  std::string bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    int high = HexValue(text[i]), low = HexValue(text[i + 1]);
    if (high < 0 || low < 0) return false;
    bytes.push_back(static_cast<char>(high << 4 | low));
  }
  out->push_back('"');
  AppendBase64(bytes, out);
  out->push_back('"');
  return true;
}

// pgvector text "[1,2.5,-3e-05]" as a JSON array of numbers.
bool AppendVector(std::string_view text, std::string* out) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  text = text.substr(1, text.size() - 2);
  out->push_back('[');
  bool first = true;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view element = text.substr(0, comma);
    while (!element.empty() && element.front() == ' ') element.remove_prefix(1);
    if (!IsJsonNumber(element)) return false;
    if (!first) out->push_back(',');
    first = false;
    out->append(element);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return false;  // trailing comma
  }
  out->push_back(']');
  return true;
}

bool IsArraySpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}
void SkipArraySpace(std::string_view* text) {
  while (!text->empty() && IsArraySpace((*text)[0])) text->remove_prefix(1);
}

bool EqualsNullIgnoringCase(std::string_view text) {
  return text.size() == 4 && (text[0] | 0x20) == 'n' && (text[1] | 0x20) == 'u' &&
         (text[2] | 0x20) == 'l' && (text[3] | 0x20) == 'l';
}

// Postgres array text format (array_in): an optional dimension decoration "[1:2][0:1]=",
// then nested braces; elements are unquoted (backslash escapes allowed; unquoted NULL is SQL
// NULL) or double-quoted with backslash escapes. Elements render as `element_oid`.
class ArrayRenderer {
 public:
  ArrayRenderer(const TypeRegistry& types, uint32_t element_oid, const CodecOptions& options,
                std::string* out)
      : types_(types), element_oid_(element_oid), options_(options), out_(out) {
    const TypeInfo* element = types.Find(element_oid);
    delimiter_ = element == nullptr ? ',' : element->delimiter;
  }

  bool Render(std::string_view text) {
    if (!text.empty() && text[0] == '[') {
      size_t equals = text.find('=');
      if (equals == std::string_view::npos) return false;
      text.remove_prefix(equals + 1);
    }
    SkipArraySpace(&text);
    if (!RenderLevel(&text, 1)) return false;
    SkipArraySpace(&text);
    return text.empty();
  }

 private:
  // `text` starts at '{'; consumes through the matching '}'.
  bool RenderLevel(std::string_view* text, int depth) {
    if (depth > kMaxArrayDepth || !Consume(text, '{')) return false;
    out_->push_back('[');
    SkipArraySpace(text);
    if (Consume(text, '}')) {
      out_->push_back(']');
      return true;
    }
    for (bool first = true;; first = false) {
      if (!first) out_->push_back(',');
      SkipArraySpace(text);
      if (!text->empty() && (*text)[0] == '{') {
        if (!RenderLevel(text, depth + 1)) return false;
      } else if (!RenderElement(text)) {
        return false;
      }
      SkipArraySpace(text);
      if (Consume(text, '}')) break;
      if (!Consume(text, delimiter_)) return false;
    }
    out_->push_back(']');
    return true;
  }

  bool RenderElement(std::string_view* text) {
    const bool quoted = Consume(text, '"');
    // Find the element's end, noting whether it has escapes to remove.
    size_t end = 0;
    bool escaped = false;
    size_t last_non_space = 0;  // unquoted: trailing whitespace is not part of the value
    for (;; ++end) {
      if (end >= text->size()) return false;
      const char c = (*text)[end];
      if (c == '\\') {
        escaped = true;
        if (++end >= text->size()) return false;
        last_non_space = end + 1;
        continue;
      }
      if (quoted ? c == '"' : (c == delimiter_ || c == '}' || c == '{' || c == '"')) break;
      if (!quoted && !IsArraySpace(c)) last_non_space = end + 1;
    }
    std::string_view raw = text->substr(0, quoted ? end : last_non_space);
    text->remove_prefix(quoted ? end + 1 : end);
    if (!quoted) {
      if (raw.empty() || (*text)[0] == '{' || (*text)[0] == '"') return false;
      if (!escaped && EqualsNullIgnoringCase(raw)) {
        out_->append("null");
        return true;
      }
    }
    std::string_view value = raw;
    if (escaped) {
      scratch_.clear();
      for (size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\\') ++i;
        scratch_.push_back(raw[i]);
      }
      value = scratch_;
    }
    AppendJsonValue(types_, element_oid_, value, options_, out_);
    return true;
  }

  const TypeRegistry& types_;
  const uint32_t element_oid_;
  const CodecOptions& options_;
  std::string* out_;
  char delimiter_;
  std::string scratch_;  // unescaped element text; allocates only if an element has escapes
};

}  // namespace

void AppendJsonValue(const TypeRegistry& types, uint32_t type_oid, std::string_view text,
                     const CodecOptions& options, std::string* out) {
  const TypeInfo* info = types.Find(type_oid);
  const TypeCategory category = info == nullptr ? TypeCategory::kString : info->category;
  switch (category) {
    case TypeCategory::kString:
    case TypeCategory::kDate:
    case TypeCategory::kTime:
      AppendJsonString(text, out);
      return;
    case TypeCategory::kInteger:
    case TypeCategory::kFloat:
      AppendNumberOrString(text, out);
      return;
    case TypeCategory::kNumeric:
      if (options.numeric_as_number) {
        AppendNumberOrString(text, out);
      } else {
        AppendJsonString(text, out);
      }
      return;
    case TypeCategory::kBool:
      if (text == "t") {
        out->append("true");
      } else if (text == "f") {
        out->append("false");
      } else {
        AppendJsonString(text, out);
      }
      return;
    case TypeCategory::kJson:
      // The server validated it; empty text cannot be JSON, so keep the output valid.
      if (text.empty()) {
        out->append("null");
      } else {
        out->append(text);
      }
      return;
    case TypeCategory::kTimestampTz:
    case TypeCategory::kTimestamp:
      AppendTimestamp(text, category == TypeCategory::kTimestampTz, options, out);
      return;
    default:
      break;
  }
  // The remaining renderers can fail part-way: roll back and fall back to a string.
  const size_t start = out->size();
  bool rendered = false;
  switch (category) {
    case TypeCategory::kInterval:
      rendered = AppendInterval(text, out);
      break;
    case TypeCategory::kBytea:
      rendered = options.bytea_base64 && AppendByteaBase64(text, out);
      break;
    case TypeCategory::kVector:
      rendered = AppendVector(text, out);
      break;
    case TypeCategory::kArray:
      rendered = ArrayRenderer(types, info->element_oid, options, out).Render(text);
      break;
    default:
      break;
  }
  if (!rendered) {
    out->resize(start);
    AppendJsonString(text, out);
  }
}

void AppendBase64(std::string_view bytes, std::string* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t start = out->size();
  out->resize(start + (bytes.size() + 2) / 3 * 4);
  char* p = out->data() + start;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = data[i] << 16 | data[i + 1] << 8 | data[i + 2];
    *p++ = kAlphabet[group >> 18];
    *p++ = kAlphabet[group >> 12 & 63];
    *p++ = kAlphabet[group >> 6 & 63];
    *p++ = kAlphabet[group & 63];
  }
  const size_t left = bytes.size() - i;
  if (left == 0) return;
  const uint32_t group = data[i] << 16 | (left == 2 ? data[i + 1] << 8 : 0);
  *p++ = kAlphabet[group >> 18];
  *p++ = kAlphabet[group >> 12 & 63];
  *p++ = left == 2 ? kAlphabet[group >> 6 & 63] : '=';
  *p = '=';
}

void AppendUtcTimestamp(int64_t unix_micros, std::string* out) {
  if (AppendIsoDateTime(unix_micros, out)) out->push_back('Z');
}

}  // namespace sluice::pg
