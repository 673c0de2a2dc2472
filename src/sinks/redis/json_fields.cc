#include "sinks/redis/json_fields.h"

#include <cctype>

namespace sluice::redis {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ == text_.size();
  }
  // Reads a string starting at '"'; appends its unescaped text to `out` when given.
  bool String(std::string* out) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != '"') return false;
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (pos_ >= text_.size()) return false;
        char e = text_[pos_++];
        if (out == nullptr) continue;
        switch (e) {
          case 'n':
            *out += '\n';
            break;
          case 't':
            *out += '\t';
            break;
          case 'r':
            *out += '\r';
            break;
          case 'b':
            *out += '\b';
            break;
          case 'f':
            *out += '\f';
            break;
          case 'u':  // member names are ASCII in our messages; keep other escapes verbatim
            *out += "\\u";
            break;
          default:
            *out += e;
            break;
        }
        continue;
      }
      if (out != nullptr) *out += c;
    }
    return false;
  }
  // Skips one JSON value and returns its text: a string, an object or array (to its
  // matching bracket), or a scalar (up to the next ',' or '}' outside any nesting).
  bool Value(std::string_view* out) {
    SkipSpace();
    size_t start = pos_;
    int depth = 0;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        if (!String(nullptr)) return false;
        if (depth == 0) break;
      } else if (c == '{' || c == '[') {
        ++depth;
        ++pos_;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;
        ++pos_;
        if (--depth == 0) break;
      } else if (c == ',' && depth == 0) {
        break;
      } else {
        ++pos_;
      }
    }
    if (depth != 0) return false;
    size_t end = pos_;
    while (end > start && std::isspace(static_cast<unsigned char>(text_[end - 1]))) --end;
    if (end == start) return false;
    *out = text_.substr(start, end - start);
    return true;
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<JsonMember>> SplitTopLevel(std::string_view json) {
  Scanner scan(json);
  std::vector<JsonMember> members;
  auto fail = [] { return Status::Permanent("message body is not a JSON object"); };
  if (!scan.Consume('{')) return fail();
  if (scan.Consume('}')) return scan.AtEnd() ? Result<std::vector<JsonMember>>(members) : fail();
  do {
    JsonMember member;
    if (!scan.String(&member.name) || !scan.Consume(':') || !scan.Value(&member.value)) {
      return fail();
    }
    members.push_back(std::move(member));
  } while (scan.Consume(','));
  if (!scan.Consume('}') || !scan.AtEnd()) return fail();
  return members;
}

}  // namespace sluice::redis
