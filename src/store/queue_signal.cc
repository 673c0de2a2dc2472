#include "store/queue_signal.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>

namespace sluice {
namespace {

// One condition variable for all queues: there are few queues and few waiters, and a
// spurious wake-up only costs a map lookup.
struct Signals {
  std::mutex mutex;
  std::condition_variable changed;
  std::map<std::string, uint64_t, std::less<>> generations;  // GUARDED_BY(mutex)
};

Signals& Global() {
  static Signals* signals = new Signals();  // never destroyed: usable during shutdown
  return *signals;
}

// @locks signals.mutex held.
uint64_t GenerationLocked(Signals& signals, std::string_view queue) {
  auto it = signals.generations.find(queue);
  return it == signals.generations.end() ? 0 : it->second;
}

}  // namespace

void NotifyQueue(std::string_view queue) {
  Signals& signals = Global();
  {
    std::lock_guard lock(signals.mutex);
    auto it = signals.generations.find(queue);
    if (it == signals.generations.end()) {
      it = signals.generations.emplace(std::string(queue), 0).first;
    }
    ++it->second;
  }
  signals.changed.notify_all();
}

uint64_t QueueGeneration(std::string_view queue) {
  Signals& signals = Global();
  std::lock_guard lock(signals.mutex);
  return GenerationLocked(signals, queue);
}

bool WaitForQueue(std::string_view queue, uint64_t seen, std::chrono::milliseconds timeout) {
  Signals& signals = Global();
  std::unique_lock lock(signals.mutex);
  return signals.changed.wait_for(lock, timeout,
                                  [&] { return GenerationLocked(signals, queue) != seen; });
}

bool WaitForQueue(std::string_view queue, std::chrono::milliseconds timeout) {
  return WaitForQueue(queue, QueueGeneration(queue), timeout);
}

}  // namespace sluice
