#pragma once
// Sink: delivers batches of messages to one external system, in order per message group.
//
// Threads: Start/Send/Flush/Stop are called from the sink's one runner thread. `done` may be
// called on any thread (e.g. a client library's callback thread), exactly once per batch, and
// only after the target durably accepted each message or failed it.
// The batch passed to Send stays alive and unchanged until `done` has been called.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sinks/message.h"

namespace sluice {

class StateStore;
struct Config;
struct SinkConfig;

// One outcome per message of the batch, in batch order. A transient status means "retry
// later", permanent means "dead-letter", fatal means the sink is misconfigured.
using DeliveryCallback = std::function<void(std::vector<Status> outcomes)>;

class Sink {
 public:
  virtual ~Sink() = default;
  // Connects and checks the target exists (topic, stream, URL). Called once before Send.
  // A fatal status marks the sink failing; the runner retries Start with backoff.
  virtual Status Start() = 0;
  // Queues `batch` and returns soon. Calls `done` exactly once.
  virtual void Send(const Batch& batch, DeliveryCallback done) = 0;
  // How many batches may be in flight at once without breaking per-group order. 1 unless
  // the target keeps order itself across pipelined requests (Kafka's idempotent producer).
  virtual size_t max_in_flight() const { return 1; }
  // Blocks until all queued batches reported, or `timeout` passed.
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;
  // Releases connections. No Send after Stop.
  virtual void Stop() {}
};

// What a sink factory gets besides its own config.
struct SinkContext {
  const Config* config = nullptr;  // whole config (webhook sinks read http_endpoints)
  StateStore* store = nullptr;     // embedded store (http_pull keeps its queue there)
};

// Same outcome for every message of a batch of `n`.
inline std::vector<Status> SameOutcome(size_t n, const Status& status) {
  return std::vector<Status>(n, status);
}

}  // namespace sluice
