#pragma once
// Minimal, allocation-free JSON string escaping for the hot path (message encoding, logs).
#include <string>
#include <string_view>

namespace sluice {

// Appends `text` as a quoted JSON string (with escapes) to `out`.
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace sluice
