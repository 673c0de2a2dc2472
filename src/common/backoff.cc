#include "common/backoff.h"

#include <algorithm>
#include <cstdint>

namespace sluice {

std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max, double jitter_fraction,
                                       std::mt19937_64& rng) {
  const int64_t first = std::max<int64_t>(initial.count(), 1);
  const int64_t cap = std::max<int64_t>(max.count(), first);
  // Double until the cap instead of shifting by attempt - 1, which would overflow.
  int64_t ceiling = first;
  for (int i = 1; i < attempt && ceiling < cap; ++i) {
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  }
  ceiling = std::min(ceiling, cap);

  const double jitter = std::clamp(jitter_fraction, 0.0, 1.0);
  std::uniform_real_distribution<double> shorten(0.0, jitter);
  const auto delay = static_cast<int64_t>(static_cast<double>(ceiling) * (1.0 - shorten(rng)));
  return std::chrono::milliseconds(std::clamp<int64_t>(delay, 1, ceiling));
}

}  // namespace sluice
