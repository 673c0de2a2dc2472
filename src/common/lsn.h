#pragma once
// Postgres log sequence numbers and message positions.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

using Lsn = uint64_t;

// "16/B374D848" form, as Postgres prints it.
inline std::string FormatLsn(Lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

inline std::optional<Lsn> ParseLsn(std::string_view text) {
  unsigned hi = 0, lo = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%X/%X", &hi, &lo) != 2) return std::nullopt;
  return (static_cast<Lsn>(hi) << 32) | lo;
}

// A message's place in the total order of changes: its transaction's commit LSN and its
// 0-based index within the transaction.
struct Position {
  Lsn commit_lsn = 0;
  uint32_t commit_idx = 0;
  friend auto operator<=>(const Position&, const Position&) = default;
};

}  // namespace sluice
