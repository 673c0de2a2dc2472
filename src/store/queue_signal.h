#pragma once
// Queue signal: a process-wide "something changed in queue X" notifier, so HTTP long-poll
// receivers wake as soon as the http_pull sink enqueues (or a consumer acks or nacks) instead
// of polling the store.
//
// Each queue has a generation counter that NotifyQueue increments. To wait without missing a
// notification that races with the check before it, read QueueGeneration() first, look at
// the queue, then wait for the generation to move past the value read.
//
// Thread-safety: every function may be called from any thread. State lives for the process.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sluice {

// Wakes every waiter on `queue`.
void NotifyQueue(std::string_view queue);

// The number of NotifyQueue calls for `queue` so far.
uint64_t QueueGeneration(std::string_view queue);

// Blocks until `queue`'s generation differs from `seen` or `timeout` passes. Returns true
// when it was notified (including before the call), false on timeout.
bool WaitForQueue(std::string_view queue, uint64_t seen, std::chrono::milliseconds timeout);

// Blocks until the next NotifyQueue(queue) after this call, or `timeout`. Returns true when
// notified.
bool WaitForQueue(std::string_view queue, std::chrono::milliseconds timeout);

}  // namespace sluice
