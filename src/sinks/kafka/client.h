#pragma once
// KafkaClient: one librdkafka producer handle for one sink, with the thread that serves its
// delivery reports, the cache of topic handles, and the broker checks Start needs (reachable,
// credentials accepted, topic exists or gets created).
//
// Threads: Create/Check*/EnsureTopic/TopicHandle/Purge run on the sink's runner thread. The
// `on_delivery` callback runs on the client's own poll thread, once per produced message.
// Destruction purges nothing by itself: the owner purges and waits for its reports first.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/metrics.h"
#include "common/status.h"
#include "sinks/kafka/config.h"

namespace sluice {

// librdkafka producer properties for `config` (sluice's defaults, then config.producer).
// Fails with the name of the first property librdkafka rejects. Used by config validation
// too, so a typo in `producer:` is a config error, not a runtime one.
struct RdKafkaConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using RdKafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaConfDeleter>;
Result<RdKafkaConfPtr> BuildProducerConf(const KafkaConfig& config, const std::string& client_id);

class KafkaClient {
 public:
  using DeliveryFn = std::function<void(const rd_kafka_message_t& message)>;

  // `sink_name` names the sink in errors and metrics. `config` and `on_delivery` must outlive
  // the client.
  static Result<std::unique_ptr<KafkaClient>> Create(const KafkaConfig& config,
                                                     std::string sink_name, DeliveryFn on_delivery);
  ~KafkaClient();
  KafkaClient(const KafkaClient&) = delete;
  KafkaClient& operator=(const KafkaClient&) = delete;

  // Waits up to config.connect_timeout for a metadata answer: Transient when no broker
  // answers, Fatal when the brokers refuse the credentials or their TLS certificate (e.g.
  // one that tls.ca_file does not vouch for).
  Status CheckCluster();
  // Checks `topic` exists, creating it when config.create_topic is set. Fatal naming the
  // topic when it is missing. Remembers topics that passed, so repeat calls are cheap.
  Status EnsureTopic(const std::string& topic);
  // The handle for `topic` (created on first use, owned by the client).
  rd_kafka_topic_t* TopicHandle(const std::string& topic);

  // Fails every queued and in-flight message (their reports carry __PURGE_* errors).
  void PurgeAll();
  // True after librdkafka raised a fatal error (the producer cannot continue; recreate it).
  bool has_fatal_error() const;
  // The last authentication failure the brokers reported, or "" (any thread).
  std::string auth_error() const;

  rd_kafka_t* handle() { return rk_; }

 private:
  KafkaClient(const KafkaConfig& config, std::string sink_name, DeliveryFn on_delivery);
  static void OnDeliveryReport(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void OnLog(const rd_kafka_t* rk, int level, const char* facility, const char* line);
  void PollLoop();
  Status CreateTopic(const std::string& topic);
  std::string LastTlsError() const;  // the last TLS handshake failure, or "" (any thread)
  std::string Describe() const;      // "kafka sink \"name\" (brokers ...)" for messages

  const KafkaConfig& config_;
  const std::string sink_name_;
  const DeliveryFn on_delivery_;
  rd_kafka_t* rk_ = nullptr;

  std::atomic<bool> stop_{false};
  std::atomic<bool> purge_requested_{false};  // set by OnError, served by the poll thread
  std::thread poll_thread_;

  mutable std::mutex error_mu_;
  std::string auth_error_;  // @locks error_mu_
  std::string tls_error_;   // @locks error_mu_; the last TLS handshake failure, or ""

  // Runner thread only.
  std::unordered_map<std::string, rd_kafka_topic_t*> topics_;
  std::unordered_set<std::string> checked_topics_;

  Counter* broker_errors_;
};

}  // namespace sluice
