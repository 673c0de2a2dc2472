#include "sinks/stdout/json_reformat.h"

#include <algorithm>

namespace sluice {
namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

void ReformatJson(std::string_view json, int indent, std::string* out) {
  int depth = 0;
  auto new_line = [&] {
    if (indent <= 0) return;
    out->push_back('\n');
    out->append(static_cast<size_t>(depth * indent), ' ');
  };
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out->push_back(c);
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (IsJsonSpace(c)) continue;
    switch (c) {
      case '"':
        in_string = true;
        out->push_back(c);
        break;
      case '{':
      case '[': {
        out->push_back(c);
        size_t next = i + 1;
        while (next < json.size() && IsJsonSpace(json[next])) ++next;
        if (next < json.size() && json[next] == (c == '{' ? '}' : ']')) {
          out->push_back(json[next]);
          i = next;
          break;
        }
        ++depth;
        new_line();
        break;
      }
      case '}':
      case ']':
        depth = std::max(depth - 1, 0);
        new_line();
        out->push_back(c);
        break;
      case ',':
        out->push_back(c);
        new_line();
        break;
      case ':':
        out->push_back(c);
        if (indent > 0) out->push_back(' ');
        break;
      default:
        out->push_back(c);
    }
  }
}

}  // namespace sluice
