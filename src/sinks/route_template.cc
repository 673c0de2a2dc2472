#include "sinks/route_template.h"

#include <utility>

namespace sluice {
Result<RouteTemplate> RouteTemplate::Compile(std::string_view text) {
  static constexpr std::pair<std::string_view, Field> kFields[] = {
      {"schema", Field::kSchema},      {"table", Field::kTable}, {"action", Field::kAction},
      {"group_key", Field::kGroupKey}, {"pks", Field::kPks},
  };
  RouteTemplate compiled;
  compiled.text_ = std::string(text);
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      ++i;
      continue;
    }
    if (c == '}') {
      return Status::Fatal("unmatched '}' in \"" + std::string(text) +
                           "\" (write '}}' for a brace)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      return Status::Fatal("unclosed '{' in \"" + std::string(text) + "\"");
    }
    std::string_view name = text.substr(i + 1, close - i - 1);
    Field field = Field::kNone;
    for (const auto& [known, value] : kFields) {
      if (name == known) field = value;
    }
    if (field == Field::kNone) {
      return Status::Fatal("unknown placeholder {" + std::string(name) + "} in \"" +
                           std::string(text) +
                           "\" (known: {schema} {table} {action} {group_key} {pks})");
    }
    if (!literal.empty()) compiled.parts_.push_back(Part{Field::kNone, std::move(literal)});
    literal.clear();
    compiled.parts_.push_back(Part{field, {}});
    i = close;
  }
  if (!literal.empty()) compiled.parts_.push_back(Part{Field::kNone, std::move(literal)});
  return compiled;
}

void RouteTemplate::RenderTo(const Message& message, std::string* out) const {
  for (const Part& part : parts_) {
    switch (part.field) {
      case Field::kNone:
        *out += part.literal;
        break;
      case Field::kSchema:
        *out += message.schema_name;
        break;
      case Field::kTable:
        *out += message.table_name;
        break;
      case Field::kAction:
        *out += ActionName(message.action);
        break;
      case Field::kGroupKey:
        *out += message.group_key;
        break;
      case Field::kPks:
        for (size_t i = 0; i < message.record_pks.size(); ++i) {
          if (i > 0) *out += ':';
          *out += message.record_pks[i];
        }
        break;
    }
  }
}

std::string RouteTemplate::Render(const Message& message) const {
  std::string out;
  RenderTo(message, &out);
  return out;
}

std::optional<RouteTemplate> CompileRouteField(ConfigNode& node, std::string_view key,
                                               const std::string& text) {
  auto compiled = RouteTemplate::Compile(text);
  if (!compiled) {
    node.Error(key, compiled.error().message());
    return std::nullopt;
  }
  return std::move(*compiled);
}

}  // namespace sluice
