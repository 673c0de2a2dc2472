#include "config/duration.h"

#include <charconv>
#include <cstdint>
#include <limits>

namespace sluice {

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  int64_t number = 0;
  const char* end = text.data() + text.size();
  auto [unit_start, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc() || number < 0) return std::nullopt;
  std::string_view unit(unit_start, static_cast<size_t>(end - unit_start));
  int64_t scale = 0;
  if (unit.empty() || unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m") {
    scale = 60 * 1000;
  } else if (unit == "h") {
    scale = 60 * 60 * 1000;
  } else {
    return std::nullopt;
  }
  if (number > std::numeric_limits<int64_t>::max() / scale) return std::nullopt;
  return std::chrono::milliseconds(number * scale);
}

}  // namespace sluice
