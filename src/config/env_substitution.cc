#include "config/env_substitution.h"

#include <cstdlib>

namespace sluice {
namespace {

bool IsNameStart(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Substitutes one line (without its newline). `line_number` is 1-based.
class LineSubstituter {
 public:
  LineSubstituter(std::string_view line, int line_number, const std::string& file,
                  ConfigErrors& errors)
      : line_(line), line_number_(line_number), file_(file), errors_(errors) {}

  void AppendTo(std::string& out) {
    char quote = 0;  // the quote character we are inside on this line, or 0
    size_t i = 0;
    while (i < line_.size()) {
      char c = line_[i];
      bool scalar_start = i == 0 || IsBlank(line_[i - 1]) || line_[i - 1] == '[' ||
                          line_[i - 1] == '{' || line_[i - 1] == ',' || line_[i - 1] == ':';
      if (quote == 0 && c == '#' && (i == 0 || IsBlank(line_[i - 1]))) {
        out.append(line_.substr(i));  // a comment: copied as is
        return;
      }
      if (quote == 0 && (c == '\'' || c == '"') && scalar_start) {
        quote = c;
      } else if (quote != 0 && c == quote && !(quote == '"' && i > 0 && line_[i - 1] == '\\')) {
        quote = 0;
      }
      if (c == '$' && line_.substr(i, 3) == "$${") {
        out += "${";
        i += 3;
      } else if (c == '$' && line_.substr(i, 2) == "${") {
        i = Reference(i, out);
      } else {
        out += c;
        ++i;
      }
    }
  }

 private:
  // Expands the reference starting at `start` ("${"); returns the index just past it.
  size_t Reference(size_t start, std::string& out) {
    size_t close = line_.find('}', start);
    if (close == std::string_view::npos) {
      Error(start, "unterminated ${ (write $${ for a literal \"${\")");
      out.append(line_.substr(start));
      return line_.size();
    }
    std::string_view body = line_.substr(start + 2, close - start - 2);
    size_t name_end = 0;
    while (name_end < body.size() && IsNameChar(body[name_end])) ++name_end;
    std::string name(body.substr(0, name_end));
    std::string_view rest = body.substr(name_end);
    bool has_default = rest.substr(0, 2) == ":-";
    if (name.empty() || !IsNameStart(name[0]) || (!rest.empty() && !has_default)) {
      Error(start, "invalid environment variable reference (expected ${NAME} or ${NAME:-default})");
      return close + 1;
    }
    const char* value = std::getenv(name.c_str());
    if (has_default && (value == nullptr || *value == '\0')) {
      out.append(rest.substr(2));
    } else if (value != nullptr) {
      out.append(value);
    } else {
      Error(start, "environment variable " + name + " is not set (use ${" + name +
                       ":-default} to give a default)");
    }
    return close + 1;
  }

  void Error(size_t column, const std::string& message) {
    std::string where = file_.empty() ? "" : file_ + ":";
    int column_number = static_cast<int>(column) + 1;
    errors_.Add(line_number_, column_number,
                where + std::to_string(line_number_) + ":" + std::to_string(column_number) + ": " +
                    message);
  }

  std::string_view line_;
  int line_number_;
  const std::string& file_;
  ConfigErrors& errors_;
};

}  // namespace

std::string SubstituteEnv(std::string_view text, const std::string& file, ConfigErrors& errors) {
  std::string out;
  out.reserve(text.size());
  int line_number = 1;
  size_t begin = 0;
  while (begin <= text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    LineSubstituter(text.substr(begin, end - begin), line_number, file, errors).AppendTo(out);
    if (end == text.size()) break;
    out += '\n';
    begin = end + 1;
    ++line_number;
  }
  return out;
}

}  // namespace sluice
