#pragma once
// Durations in configuration files: "250ms", "15s", "2m", "1h", or a bare integer of
// milliseconds. No fractions, no compound forms ("1m30s"): one number, one unit.
#include <chrono>
#include <optional>
#include <string_view>

namespace sluice {

// nullopt when `text` is not a duration (or overflows); zero is a valid result.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

}  // namespace sluice
