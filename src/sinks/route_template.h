#pragma once
// RouteTemplate: a destination name built from a message, such as the Kafka topic
// "sluice.{schema}.{table}" or the Redis key "cdc:{table}:{pks}". It serves the routing fields
// (`topic`, `key`, `stream_key`) until Lua routing functions override them per message.
//
// Placeholders: {schema} {table} {action} {group_key} {pks} (record_pks joined with ':').
// "{{" and "}}" are literal braces. Compiled once at config time; Render is const and
// thread-safe.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/node.h"
#include "sinks/message.h"

namespace sluice {

class RouteTemplate {
 public:
  RouteTemplate() = default;  // renders ""
  // Fails (with a message naming the bad placeholder) on an unknown or unclosed placeholder.
  static Result<RouteTemplate> Compile(std::string_view text);

  // Appends the rendered name to `out` (no clearing, so callers can add a prefix first).
  void RenderTo(const Message& message, std::string* out) const;
  std::string Render(const Message& message) const;

  // True when there is no placeholder, so every message renders the same text.
  bool is_literal() const {
    return parts_.size() <= 1 && (parts_.empty() || parts_[0].field == Field::kNone);
  }
  const std::string& text() const { return text_; }

 private:
  enum class Field { kNone, kSchema, kTable, kAction, kGroupKey, kPks };
  struct Part {
    Field field = Field::kNone;  // kNone: `literal`
    std::string literal;
  };
  std::string text_;
  std::vector<Part> parts_;
};

// Compiles `text`, the value of the routing field `key` of `node`; records a config error on
// `node` (and returns nullopt) when it does not compile.
std::optional<RouteTemplate> CompileRouteField(ConfigNode& node, std::string_view key,
                                               const std::string& text);

}  // namespace sluice
