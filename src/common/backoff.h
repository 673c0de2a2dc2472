#pragma once
// Exponential backoff with jitter, for retrying deliveries and reconnects.
//
// Pure function of its arguments and the caller's generator: thread-safe as long as each
// thread uses its own `rng`.
#include <chrono>
#include <random>

namespace sluice {

// Delay before retry number `attempt` (1 = the first retry).
//
// The ceiling doubles per attempt: initial, 2*initial, 4*initial, ... capped at `max`. The
// delay is drawn uniformly from [ceiling * (1 - jitter_fraction), ceiling], i.e. jitter only
// ever shortens a delay ("subtractive" jitter; jitter_fraction = 1 is AWS's "full jitter",
// 0 is no jitter). So the result is never above `max`, and never below 1 ms, so a retry loop
// can't spin.
//
// Out-of-range inputs are clamped instead of rejected: attempt < 1 counts as 1, initial < 1 ms
// as 1 ms, max < initial as initial, jitter_fraction outside [0, 1] to that range. Any attempt
// number is safe (no overflow: attempt 1000 simply yields a delay near `max`).
std::chrono::milliseconds BackoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds max, double jitter_fraction,
                                       std::mt19937_64& rng);

}  // namespace sluice
