#pragma once
// WebhookSink: POSTs messages as JSON to an HTTP endpoint (shared/spec/sinks.md, `webhook`).
//
// batch: true  - one POST per batch with body {"data": [<message>, ...]}; every message of the
//                batch gets that request's outcome.
// batch: false - one POST per message (the message itself is the body), up to
//                kMaxParallelRequests at once over kept-alive connections. Per-group order
//                holds (GroupScheduler): a group's later message goes only after its earlier
//                one succeeded, else it is reported transient "blocked behind failed message".
// With a signing secret every request carries Standard Webhooks headers (signature.h):
// webhook-id is the message's idempotency key, or BatchWebhookId() for a batched POST.
//
// Threads: every method runs on the sink's runner thread. Send blocks until the whole batch
// has settled (each request is bounded by `timeout`) and calls `done` before returning, so
// there is never more than one batch in flight and Flush has nothing to wait for.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics.h"
#include "config/config.h"
#include "sinks/sink.h"
#include "sinks/webhook/config.h"
#include "sinks/webhook/http_client.h"

namespace sluice {

class WebhookSink final : public Sink {
 public:
  // Requests in flight at once with batch: false (and connections kept open for reuse).
  static constexpr size_t kMaxParallelRequests = 16;

  WebhookSink(std::string name, WebhookConfig config);

  // Sink.
  Status Start() override;
  void Send(const Batch& batch, DeliveryCallback done) override;
  Status Flush(std::chrono::milliseconds timeout) override;
  void Stop() override;

 private:
  std::vector<Status> SendBatched(const Batch& batch);
  std::vector<Status> SendEach(const Batch& batch);
  // The request for one POST of `body` (which must outlive it).
  Result<HttpRequest> MakeRequest(std::string_view webhook_id, std::string_view body) const;
  void CountRequest(const Status& status);
  void Report(const std::vector<Status>& outcomes);

  const std::string name_;
  const WebhookConfig config_;
  std::unique_ptr<HttpClient> client_;  // null until Start, and after Stop
  std::string batch_body_;              // reused across batches for its capacity
  int64_t connections_reported_ = 0;    // client_->connections_opened() already counted
  Counter* const requests_ok_;
  Counter* const requests_failed_;
  Counter* const connections_opened_;
};

// The registry's factory: resolves the destination against `context.config->http_endpoints`.
Result<std::unique_ptr<Sink>> MakeWebhookSink(const SinkConfig& sink, const SinkContext& context);

}  // namespace sluice
