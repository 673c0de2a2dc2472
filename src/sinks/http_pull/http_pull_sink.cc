#include "sinks/http_pull/http_pull_sink.h"

#include "common/log.h"
#include "store/queue_signal.h"

namespace sluice {

HttpPullSink::HttpPullSink(std::string name, StateStore* store)
    : name_(std::move(name)), store_(store) {}

Status HttpPullSink::Start() {
  return store_->Ping().WithContext("sink \"" + name_ + "\": state store");
}

void HttpPullSink::Send(const Batch& batch, DeliveryCallback done) {
  queued_.clear();
  for (const Message& m : batch) {
    queued_.push_back(QueuedMessage{m.idempotency_key, m.group_key, m.position, m.body});
  }
  Status status = store_->Enqueue(name_, queued_);
  if (status.ok()) {
    NotifyQueue(name_);
    done(SameOutcome(batch.size(), status));
    return;
  }
  SLUICE_LOG_WARN("sink \"{}\": enqueue of {} messages failed, will retry: {}", name_, batch.size(),
                  status.message());
  done(SameOutcome(batch.size(),
                   Status::Transient("sink \"" + name_ + "\": state store: " + status.message())));
}

Status HttpPullSink::Flush(std::chrono::milliseconds timeout) { return Status::Ok(); }

Result<std::unique_ptr<Sink>> MakeHttpPullSink(const SinkConfig& sink, const SinkContext& context) {
  if (context.store == nullptr || context.config == nullptr) {
    return Status::Fatal("sink \"" + sink.name + "\": http_pull sink built without a state store");
  }
  // Only the API uses the settings, but a bad destination should fail here, at build time.
  Result<HttpPullConfig> config = HttpPullConfigOf(sink, *context.config);
  if (!config) return config.error();
  return std::unique_ptr<Sink>(std::make_unique<HttpPullSink>(sink.name, context.store));
}

}  // namespace sluice
