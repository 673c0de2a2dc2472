#pragma once
// HttpPullSink: delivers by enqueueing into a durable queue in the state store (queue name =
// sink name), from which consumers pull over the HTTP API (api/). A batch is settled once the
// store has committed it, so the replication slot may move past it.
//
// Each message enters the queue once, keyed by its idempotency key: replaying a batch after
// a restart adds nothing. After each enqueue the sink signals the queue (store/queue_signal.h)
// so long-polling receivers return at once.
//
// Delivery is synchronous: `done` runs on the caller's thread before Send returns. A store
// error fails the whole batch as transient (the runner retries it; the enqueue is idempotent).
#include <memory>
#include <string>
#include <vector>

#include "sinks/http_pull/config.h"
#include "sinks/sink.h"
#include "store/state_store.h"

namespace sluice {

class HttpPullSink final : public Sink {
 public:
  // `store` must outlive the sink. The queue's consumer settings (HttpPullConfig) are applied
  // by the HTTP API, which owns receiving.
  HttpPullSink(std::string name, StateStore* store);

  // Sink (all called from the sink's runner thread).
  Status Start() override;  // checks the store is usable
  void Send(const Batch& batch, DeliveryCallback done) override;
  Status Flush(std::chrono::milliseconds timeout) override;

 private:
  const std::string name_;
  StateStore* const store_;
  std::vector<QueuedMessage> queued_;  // one batch's queue rows, kept to reuse its capacity
};

// The registry's factory: an HttpPullSink over `context.store`.
Result<std::unique_ptr<Sink>> MakeHttpPullSink(const SinkConfig& sink, const SinkContext& context);

}  // namespace sluice
