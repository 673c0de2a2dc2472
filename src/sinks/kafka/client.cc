#include "sinks/kafka/client.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "common/log.h"

namespace sluice {
namespace {

using Clock = std::chrono::steady_clock;

// Big enough that the broker, not the client, decides what is too large (so a dead letter
// carries the broker's reason); batch.size still caps what one batch gathers.
constexpr const char* kClientMessageMaxBytes = "16777216";

std::string SecurityProtocol(const KafkaConfig& config) {
  bool sasl = !config.sasl_mechanism.empty();
  if (config.tls.enabled) return sasl ? "sasl_ssl" : "ssl";
  return sasl ? "sasl_plaintext" : "plaintext";
}

// librdkafka before 2.6.1 repeats its own nonce in the SCRAM client-final-message; Kafka 4.0
// and later check that nonce strictly and refuse even the right password
// (confluentinc/librdkafka#4895). Returns a note for a refused SCRAM login, or "".
std::string ScramNonceNote(const KafkaConfig& config) {
  if (config.sasl_mechanism.rfind("SCRAM", 0) != 0 || rd_kafka_version() >= 0x02060100) return "";
  return std::string(" (note: this librdkafka, ") + rd_kafka_version_str() +
         ", is older than 2.6.1, whose SCRAM Kafka 4.0 and later brokers refuse even with the "
         "right password; use PLAIN over TLS or librdkafka 2.6.1 or later)";
}

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(left.count(), 0));
}

}  // namespace

Result<RdKafkaConfPtr> BuildProducerConf(const KafkaConfig& config, const std::string& client_id) {
  RdKafkaConfPtr conf(rd_kafka_conf_new());
  std::vector<std::pair<std::string, std::string>> props = {
      {"bootstrap.servers", config.hosts},
      {"client.id", client_id},
      // Idempotence keeps per-partition order with several requests in flight and across
      // librdkafka's internal retries; it implies acks=all.
      {"enable.idempotence", "true"},
      {"acks", "all"},
      // Never give up on a message inside librdkafka: a broker outage is waited out and the
      // slot does not advance meanwhile. Users can bound it with producer.message.timeout.ms.
      {"message.timeout.ms", "0"},
      // The partition of a key matches what the Java client would choose.
      {"partitioner", "murmur2_random"},
      {"allow.auto.create.topics", "false"},
      {"linger.ms", "5"},
      // Reconnect within a second of a broker coming back (librdkafka's default backs off
      // up to 10 s), so an outage ends for us soon after it ends for the broker.
      {"reconnect.backoff.max.ms", "1000"},
      {"message.max.bytes", kClientMessageMaxBytes},
      // The runner bounds what is in flight; this only has to be larger than that.
      {"queue.buffering.max.messages", "1000000"},
      {"compression.codec", config.compression},
      {"security.protocol", SecurityProtocol(config)},
  };
  if (config.tls.enabled) {
    props.push_back({"enable.ssl.certificate.verification", config.tls.verify ? "true" : "false"});
    props.push_back(
        {"ssl.endpoint.identification.algorithm", config.tls.verify ? "https" : "none"});
    if (!config.tls.ca_file.empty()) props.push_back({"ssl.ca.location", config.tls.ca_file});
    if (!config.tls.cert_file.empty()) {
      props.push_back({"ssl.certificate.location", config.tls.cert_file});
      props.push_back({"ssl.key.location", config.tls.key_file});
    }
  }
  if (!config.sasl_mechanism.empty()) {
    props.push_back({"sasl.mechanism", config.sasl_mechanism});
    props.push_back({"sasl.username", config.username});
    props.push_back({"sasl.password", config.password});
  }
  for (const auto& [name, value] : config.producer) props.push_back({name, value});

  char errstr[512];
  for (const auto& [name, value] : props) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      // errstr may echo the value; a password must not reach logs.
      bool secret = name.find("password") != std::string::npos;
      return Status::Fatal("producer property \"" + name +
                           "\": " + (secret ? std::string("rejected") : std::string(errstr)));
    }
  }
  return conf;
}

KafkaClient::KafkaClient(const KafkaConfig& config, std::string sink_name, DeliveryFn on_delivery)
    : config_(config),
      sink_name_(std::move(sink_name)),
      on_delivery_(std::move(on_delivery)),
      broker_errors_(Metrics::Global().GetCounter("sluice_kafka_broker_errors_total",
                                                  {{"sink", sink_name_}})) {}

Result<std::unique_ptr<KafkaClient>> KafkaClient::Create(const KafkaConfig& config,
                                                         std::string sink_name,
                                                         DeliveryFn on_delivery) {
  std::unique_ptr<KafkaClient> client(
      new KafkaClient(config, std::move(sink_name), std::move(on_delivery)));
  auto conf = BuildProducerConf(config, "sluice-" + client->sink_name_);
  if (!conf) return conf.error().WithContext(client->Describe());
  rd_kafka_conf_set_opaque(conf->get(), client.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &KafkaClient::OnDeliveryReport);
  rd_kafka_conf_set_error_cb(conf->get(), &KafkaClient::OnError);
  rd_kafka_conf_set_log_cb(conf->get(), &KafkaClient::OnLog);
  char errstr[512];
  // rd_kafka_new takes the conf only on success.
  client->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr);
  if (client->rk_ == nullptr) {
    return Status::Fatal(client->Describe() + ": cannot create producer: " + errstr);
  }
  (void)conf->release();
  client->poll_thread_ = std::thread([c = client.get()] { c->PollLoop(); });
  return client;
}

KafkaClient::~KafkaClient() {
  stop_ = true;
  if (poll_thread_.joinable()) poll_thread_.join();
  for (auto& [name, rkt] : topics_) rd_kafka_topic_destroy(rkt);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

std::string KafkaClient::Describe() const {
  return "kafka sink \"" + sink_name_ + "\" (brokers " + config_.hosts + ")";
}

void KafkaClient::OnDeliveryReport(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  static_cast<KafkaClient*>(opaque)->on_delivery_(*message);
}

// @locality the poll thread (librdkafka serves callbacks from rd_kafka_poll).
void KafkaClient::OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaClient*>(opaque);
  self->broker_errors_->Add();
  auto code = static_cast<rd_kafka_resp_err_t>(err);
  if (code == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
    {
      std::lock_guard<std::mutex> lock(self->error_mu_);
      self->auth_error_ = reason;
    }
    // Queued messages would wait forever for brokers that refuse us: fail them (as fatal)
    // so the sink is marked failing. Purging from inside a callback is not allowed.
    self->purge_requested_ = true;
    SLUICE_LOG_ERROR("{}: authentication failed: {}", self->Describe(), reason);
    return;
  }
  if (code == RD_KAFKA_RESP_ERR__SSL) {
    // Remembered so Start can say why no broker answers instead of timing out.
    std::lock_guard<std::mutex> lock(self->error_mu_);
    self->tls_error_ = reason;
  }
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(rk, fatal, sizeof fatal);
    SLUICE_LOG_ERROR("{}: producer failed for good: {}", self->Describe(), fatal);
    return;
  }
  // Connection losses and the like: librdkafka reconnects and retries by itself.
  SLUICE_LOG_WARN("{}: {}", self->Describe(), reason);
}

// librdkafka's own log lines: problems also arrive through OnError (which logs them), so
// these are debug detail. @locality any librdkafka thread.
void KafkaClient::OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
  SLUICE_LOG_DEBUG("librdkafka {} [{}] {}: {}", rd_kafka_name(rk), level, facility, line);
}

void KafkaClient::PollLoop() {
  while (!stop_) {
    rd_kafka_poll(rk_, 100);
    if (purge_requested_.exchange(false)) {
      rd_kafka_purge(
          rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING);
    }
  }
}

void KafkaClient::PurgeAll() {
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

bool KafkaClient::has_fatal_error() const {
  return rd_kafka_fatal_error(rk_, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR;
}

std::string KafkaClient::auth_error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return auth_error_;
}

std::string KafkaClient::LastTlsError() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return tls_error_;
}

Status KafkaClient::CheckCluster() {
  auto deadline = Clock::now() + config_.connect_timeout;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  do {
    const rd_kafka_metadata_t* metadata = nullptr;
    err = rd_kafka_metadata(rk_, 0, nullptr, &metadata, std::clamp(RemainingMs(deadline), 1, 1000));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(metadata);
      std::lock_guard<std::mutex> lock(error_mu_);
      auth_error_.clear();
      tls_error_.clear();
      return Status::Ok();
    }
    std::string auth = auth_error();
    if (!auth.empty()) {
      return Status::Fatal(Describe() + ": the brokers refused the credentials of user \"" +
                           config_.username + "\" (" + config_.sasl_mechanism + "): " + auth +
                           "; check username and password" + ScramNonceNote(config_));
    }
    std::string tls = LastTlsError();
    // A certificate we cannot verify will not fix itself; a handshake cut short (a broker
    // starting or stopping) may, so only the former ends the wait early.
    if (tls.find("certificate") != std::string::npos) {
      return Status::Fatal(Describe() + ": TLS with the brokers failed: " + tls +
                           "; check tls.ca_file (or tls.verify)");
    }
  } while (Clock::now() < deadline);
  std::string tls = LastTlsError();
  return Status::Transient(Describe() + ": no broker answered within " +
                           std::to_string(config_.connect_timeout.count()) +
                           " ms: " + rd_kafka_err2str(err) +
                           (tls.empty() ? "" : " (last TLS error: " + tls + ")"));
}

rd_kafka_topic_t* KafkaClient::TopicHandle(const std::string& topic) {
  auto it = topics_.find(topic);
  if (it != topics_.end()) return it->second;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
  SLUICE_CHECK(rkt != nullptr, "rd_kafka_topic_new without topic config cannot fail");
  topics_.emplace(topic, rkt);
  return rkt;
}

Status KafkaClient::EnsureTopic(const std::string& topic) {
  if (checked_topics_.count(topic) != 0) return Status::Ok();
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, TopicHandle(topic), &metadata,
                                              static_cast<int>(config_.connect_timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string auth = auth_error();
    if (!auth.empty()) return Status::Fatal(Describe() + ": authentication failed: " + auth);
    return Status::Transient(Describe() + ": cannot look up topic \"" + topic +
                             "\": " + rd_kafka_err2str(err));
  }
  rd_kafka_resp_err_t topic_err =
      metadata->topic_cnt == 1 ? metadata->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  rd_kafka_metadata_destroy(metadata);
  switch (topic_err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:  // exists, leader being elected
      break;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      if (!config_.create_topic) {
        return Status::Fatal(Describe() + ": topic \"" + topic +
                             "\" does not exist (create it or set create_topic: true)");
      }
      SLUICE_RETURN_IF_ERROR(CreateTopic(topic));
      break;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
      return Status::Fatal(Describe() + ": not authorized to use topic \"" + topic + "\"");
    default:
      return Status::Transient(Describe() + ": topic \"" + topic +
                               "\": " + rd_kafka_err2str(topic_err));
  }
  checked_topics_.insert(topic);
  return Status::Ok();
}

Status KafkaClient::CreateTopic(const std::string& topic) {
  char errstr[512];
  rd_kafka_NewTopic_t* new_topic =
      rd_kafka_NewTopic_new(topic.c_str(), config_.topic_partitions,
                            config_.topic_replication_factor, errstr, sizeof errstr);
  if (new_topic == nullptr) {
    return Status::Fatal(Describe() + ": cannot create topic \"" + topic + "\": " + errstr);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(rk_, &new_topic, 1, options, queue);
  rd_kafka_event_t* event =
      rd_kafka_queue_poll(queue, static_cast<int>(config_.connect_timeout.count()));
  Status status;
  if (event == nullptr) {
    status = Status::Transient(Describe() + ": creating topic \"" + topic + "\" timed out");
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = Status::Transient(Describe() + ": creating topic \"" + topic +
                               "\": " + rd_kafka_event_error_string(event));
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
    rd_kafka_resp_err_t err =
        count == 1 ? rd_kafka_topic_result_error(results[0]) : RD_KAFKA_RESP_ERR__FAIL;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* why = count == 1 ? rd_kafka_topic_result_error_string(results[0]) : nullptr;
      status = Status::Fatal(Describe() + ": cannot create topic \"" + topic +
                             "\": " + (why != nullptr ? why : rd_kafka_err2str(err)));
    } else {
      SLUICE_LOG_INFO("{}: created topic \"{}\"", Describe(), topic);
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(new_topic);
  return status;
}

}  // namespace sluice
