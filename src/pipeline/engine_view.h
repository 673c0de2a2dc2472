#pragma once
// EngineView: what the HTTP API may ask the running pipeline. Implemented by the engine;
// the API holds a pointer that must outlive the HTTP server.
// Thread-safety: every method may be called from any HTTP thread.
#include <cstdint>
#include <string>
#include <vector>

namespace sluice {

struct SinkStatus {
  std::string name;
  std::string type;  // destination type
  std::string database;
  std::string status;      // active | paused | failing
  std::string last_error;  // "" when healthy
  int64_t messages_delivered = 0;
  int64_t messages_failed = 0;
  int64_t messages_dead_lettered = 0;
  double throughput_per_sec = 0;  // delivered per second, last ~10 s
  int64_t backlog = 0;            // messages accepted but not yet settled (+ parked failing)
  int64_t lag_bytes = 0;          // server WAL position - this sink's settled position
};

struct HealthReport {
  bool ok = true;
  std::vector<std::string> failing;  // e.g. "database app: connection refused"
};

class EngineView {
 public:
  virtual ~EngineView() = default;
  virtual std::vector<SinkStatus> Sinks() const = 0;
  virtual HealthReport Health() const = 0;
};

}  // namespace sluice
