#include "sinks/kafka/kafka_sink.h"

#include <atomic>
#include <vector>

#include "common/log.h"
#include "config/config.h"

namespace sluice {

// One batch between Send and its `done`. Each message's librdkafka opaque points at its Slot.
// `remaining` starts one higher than the message count: Send holds that extra reference until
// it has produced every message, so `done` cannot run before Send is finished with the batch.
struct KafkaSink::PendingBatch {
  struct Slot {
    PendingBatch* batch;
    size_t index;
  };
  PendingBatch(size_t size, DeliveryCallback callback)
      : outcomes(size), slots(size), remaining(size + 1), done(std::move(callback)) {
    for (size_t i = 0; i < size; ++i) slots[i] = Slot{this, i};
  }
  std::vector<Status> outcomes;
  std::vector<Slot> slots;
  std::atomic<size_t> remaining;
  DeliveryCallback done;
};

KafkaSink::KafkaSink(std::string name, KafkaConfig config)
    : name_(std::move(name)), config_(std::move(config)) {}

KafkaSink::~KafkaSink() { Stop(); }

Status KafkaSink::Start() {
  if (client_ != nullptr && client_->has_fatal_error()) {
    SLUICE_LOG_WARN("kafka sink \"{}\": recreating the producer after a fatal error", name_);
    CloseClient();
  }
  if (client_ == nullptr) {
    auto client = KafkaClient::Create(
        config_, name_, [this](const rd_kafka_message_t& message) { OnDelivery(message); });
    if (!client) return client.error();
    client_ = std::move(*client);
  }
  SLUICE_RETURN_IF_ERROR(client_->CheckCluster());
  if (config_.topic.is_literal()) {
    SLUICE_RETURN_IF_ERROR(client_->EnsureTopic(config_.topic.Render(Message{})));
  }
  return Status::Ok();
}

void KafkaSink::Send(const Batch& batch, DeliveryCallback done) {
  if (client_ == nullptr) {
    done(SameOutcome(batch.size(), Status::Fatal("kafka sink \"" + name_ + "\" is not started")));
    return;
  }
  // After a transient failure, later batches fail too until every batch produced before it
  // has reported: the runner parks them behind the failed messages, so a group's later
  // message never reaches the broker ahead of an earlier one waiting for its retry.
  if (!halted_.ok()) {
    bool earlier_pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      earlier_pending = pending_batches_ > 0;
    }
    if (earlier_pending) {
      done(SameOutcome(batch.size(), halted_));
      return;
    }
    halted_ = Status::Ok();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++pending_batches_;
  }
  auto* pending = new PendingBatch(batch.size(), std::move(done));
  // After a transient failure the rest of the batch is not produced, so that a retry of the
  // failed message cannot land behind a later message of its group.
  Status halted;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Message& message = batch[i];
    if (!halted.ok()) {
      Settle(pending, i, halted);
      continue;
    }
    topic_buf_.clear();
    config_.topic.RenderTo(message, &topic_buf_);
    if (Status topic_ok = client_->EnsureTopic(topic_buf_); !topic_ok.ok()) {
      if (topic_ok.retry() == Retry::kTransient) halted = topic_ok;
      Settle(pending, i, std::move(topic_ok));
      continue;
    }
    const std::string* key = &message.group_key;
    if (config_.key) {
      key_buf_.clear();
      config_.key->RenderTo(message, &key_buf_);
      key = &key_buf_;
    }
    rd_kafka_headers_t* headers = rd_kafka_headers_new(3);
    std::string_view action = ActionName(message.action);
    std::string table = message.schema_name + "." + message.table_name;
    rd_kafka_header_add(headers, "idempotency_key", -1, message.idempotency_key.data(),
                        static_cast<ssize_t>(message.idempotency_key.size()));
    rd_kafka_header_add(headers, "action", -1, action.data(), static_cast<ssize_t>(action.size()));
    rd_kafka_header_add(headers, "table", -1, table.data(), static_cast<ssize_t>(table.size()));
    // No RD_KAFKA_MSG_F_COPY: the body stays alive and unchanged until `done` (sink.h).
    rd_kafka_resp_err_t err = rd_kafka_producev(
        client_->handle(), RD_KAFKA_V_RKT(client_->TopicHandle(topic_buf_)),
        RD_KAFKA_V_KEY(key->data(), key->size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(message.body.data()), message.body.size()),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(&pending->slots[i]), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(headers);  // ownership passes to librdkafka only on success
      Status status = Classify(err, topic_buf_, message.body.size());
      if (status.retry() == Retry::kTransient) halted = status;
      Settle(pending, i, std::move(status));
    }
  }
  if (!halted.ok()) halted_ = halted;
  // Drops Send's own reference; the last delivery report (or this) completes the batch.
  if (pending->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    Settle(pending, batch.size(), Status::Ok());
  }
}

void KafkaSink::OnDelivery(const rd_kafka_message_t& message) {
  auto* slot = static_cast<PendingBatch::Slot*>(message._private);
  Status status;
  if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = Classify(message.err, rd_kafka_topic_name(message.rkt), message.len);
  }
  Settle(slot->batch, slot->index, std::move(status));
}

// `index == outcomes.size()` is the completion call made after the count reached zero.
void KafkaSink::Settle(PendingBatch* pending, size_t index, Status status) {
  if (index < pending->outcomes.size()) {
    pending->outcomes[index] = std::move(status);
    if (pending->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  }
  pending->done(std::move(pending->outcomes));
  delete pending;
  std::lock_guard<std::mutex> lock(mu_);
  --pending_batches_;
  idle_cv_.notify_all();
}

Status KafkaSink::Classify(rd_kafka_resp_err_t err, std::string_view topic, size_t bytes) const {
  std::string where = "kafka sink \"" + name_ + "\", topic \"" + std::string(topic) + "\"";
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      return Status::Ok();
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
      return Status::Permanent(where + ": a message of " + std::to_string(bytes) +
                               " bytes was refused: " + rd_kafka_err2str(err));
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT: {
      std::string auth = client_ != nullptr ? client_->auth_error() : std::string();
      if (!auth.empty()) {
        return Status::Fatal(where + ": the brokers refused the credentials of user \"" +
                             config_.username + "\": " + auth);
      }
      return Status::Transient(where + ": not acknowledged before the sink stopped");
    }
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
      return Status::Fatal(where + ": " + rd_kafka_err2str(err));
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return Status::Fatal(where +
                           ": the topic does not exist (create it or set create_topic: true)");
    case RD_KAFKA_RESP_ERR__FATAL:
      return Status::Fatal(where + ": the producer failed for good (it is recreated on restart): " +
                           rd_kafka_err2str(err));
    default:
      return Status::Transient(where + ": " + rd_kafka_err2str(err));
  }
}

Status KafkaSink::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  if (idle_cv_.wait_for(lock, timeout, [this] { return pending_batches_ == 0; })) {
    return Status::Ok();
  }
  return Status::Transient("kafka sink \"" + name_ + "\": " + std::to_string(pending_batches_) +
                           " batches still wait for the broker after " +
                           std::to_string(timeout.count()) + " ms");
}

void KafkaSink::Stop() { CloseClient(); }

void KafkaSink::CloseClient() {
  if (client_ == nullptr) return;
  // Purging hands every unacknowledged message to the poll thread as a failed report, so
  // each pending batch completes; only then may the client (and its thread) go away.
  client_->PurgeAll();
  std::unique_lock<std::mutex> lock(mu_);
  while (
      !idle_cv_.wait_for(lock, std::chrono::seconds(5), [this] { return pending_batches_ == 0; })) {
    SLUICE_LOG_WARN("kafka sink \"{}\": waiting for {} purged batches to report", name_,
                    pending_batches_);
  }
  lock.unlock();
  client_.reset();
}

namespace {

Result<std::unique_ptr<Sink>> MakeWith(Result<KafkaConfig> (*parse)(ConfigNode&, const Config&),
                                       const SinkConfig& sink, const SinkContext& ctx) {
  if (!sink.destination) {
    return Status::Fatal("sink \"" + sink.name + "\": missing destination");
  }
  static const Config kNoConfig;
  ConfigNode destination = *sink.destination;
  auto config = parse(destination, ctx.config != nullptr ? *ctx.config : kNoConfig);
  if (!config) return config.error().WithContext("sink \"" + sink.name + "\"");
  return std::unique_ptr<Sink>(new KafkaSink(sink.name, std::move(*config)));
}

}  // namespace

Result<std::unique_ptr<Sink>> MakeKafkaSink(const SinkConfig& sink, const SinkContext& ctx) {
  return MakeWith(ParseKafkaConfig, sink, ctx);
}

Result<std::unique_ptr<Sink>> MakeEventHubSink(const SinkConfig& sink, const SinkContext& ctx) {
  return MakeWith(ParseEventHubConfig, sink, ctx);
}

}  // namespace sluice
