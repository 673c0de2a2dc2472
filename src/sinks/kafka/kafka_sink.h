#pragma once
// KafkaSink: the `kafka` and `azure_event_hub` destinations. Each message becomes one record:
// key = the group key (or the `key` template), value = the message body, headers
// `idempotency_key`, `action` and `table` ("schema.table"), topic from the `topic` template.
//
// Delivery: librdkafka's idempotent producer batches (linger.ms/batch.size), compresses and
// retries; per-partition order survives retries, so several batches may be in flight. Each
// record's delivery report is mapped back to its message; a batch's `done` runs on the
// client's poll thread once the last report of that batch is in. Outcomes:
//   acknowledged by the broker              -> OK
//   too large for the topic (broker error)  -> Permanent, with the broker's reason
//   bad credentials, missing topic, fatal   -> Fatal (the runner marks the sink failing)
//   anything else (only after Stop, or a user-set message.timeout.ms) -> Transient
// A broker outage is waited out inside librdkafka (message.timeout.ms defaults to infinite),
// so nothing is acknowledged, and the slot does not advance, until the broker is back.
//
// Threads: Start/Send/Flush/Stop on the sink's runner thread; `done` on the poll thread.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "sinks/kafka/client.h"
#include "sinks/kafka/config.h"
#include "sinks/sink.h"

namespace sluice {

class KafkaSink final : public Sink {
 public:
  KafkaSink(std::string name, KafkaConfig config);
  ~KafkaSink() override;

  // (Re)creates the producer if needed, checks the brokers answer and accept the
  // credentials, and that a fixed topic exists (or creates it with create_topic).
  Status Start() override;
  void Send(const Batch& batch, DeliveryCallback done) override;
  size_t max_in_flight() const override { return static_cast<size_t>(config_.max_in_flight); }
  Status Flush(std::chrono::milliseconds timeout) override;
  // Fails what the broker has not acknowledged yet (Transient), waits for those reports and
  // closes the producer.
  void Stop() override;

 private:
  struct PendingBatch;
  void OnDelivery(const rd_kafka_message_t& message);               // @locality poll thread
  void Settle(PendingBatch* pending, size_t index, Status status);  // any thread
  Status Classify(rd_kafka_resp_err_t err, std::string_view topic, size_t bytes) const;
  void CloseClient();

  const std::string name_;
  const KafkaConfig config_;
  std::unique_ptr<KafkaClient> client_;  // runner thread; null before Start and after Stop

  std::mutex mu_;
  std::condition_variable idle_cv_;
  // The transient failure that stopped the last batch; later Sends fail with it while
  // earlier batches are pending. @locality the runner's send thread (Send)
  Status halted_;
  size_t pending_batches_ = 0;  // @locks mu_: batches whose `done` has not returned yet

  // Runner-thread scratch buffers, reused across messages.
  std::string topic_buf_;
  std::string key_buf_;
};

// Factories for the registry (sinks/registry/registry.cc).
Result<std::unique_ptr<Sink>> MakeKafkaSink(const SinkConfig& sink, const SinkContext& ctx);
Result<std::unique_ptr<Sink>> MakeEventHubSink(const SinkConfig& sink, const SinkContext& ctx);

}  // namespace sluice
