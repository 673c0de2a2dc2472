#pragma once
// A real single-node Kafka broker (KRaft) for the kafka sink tests, started once per test
// binary through scripts/kafka/start.sh on free loopback ports (PLAINTEXT, SASL_PLAINTEXT with
// PLAIN users, SASL_PLAINTEXT with SCRAM users, and SSL listeners), plus a librdkafka
// admin/consumer helper to check what arrived. When the broker cannot start, every test fails with
// the script's output: a missing broker never skips a test. KafkaBroker::Kafka3() is a second,
// Kafka 3.x broker (PLAINTEXT and SCRAM listeners only, started on first use) for the SCRAM
// login of librdkafka < 2.6.1, which Kafka 4.x refuses (docs/sinks/kafka.md).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "testlib/process.h"

namespace sluice::testing {

class KafkaBroker {
 public:
  // The default broker: scripts/kafka/pom.xml's Kafka version (4.x), every listener.
  static KafkaBroker& Get() {
    static KafkaBroker broker("", /*all_listeners=*/true);
    return broker;
  }
  // A Kafka 3.x broker with PLAINTEXT and SCRAM listeners (KAFKA_VERSION for the scripts).
  static constexpr const char* kKafka3Version = "3.9.1";
  static KafkaBroker& Kafka3() {
    static KafkaBroker broker(kKafka3Version, /*all_listeners=*/false);
    return broker;
  }
  // Empty when running; else why it could not start.
  const std::string& error() const { return error_; }
  std::string bootstrap() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string sasl_bootstrap() const { return "127.0.0.1:" + std::to_string(sasl_port_); }
  // SASL_PLAINTEXT with SCRAM-SHA-256/512 user alice / alice-secret.
  std::string scram_bootstrap() const { return "127.0.0.1:" + std::to_string(scram_port_); }
  // SSL, server certificate for 127.0.0.1 signed by ca_file().
  std::string ssl_bootstrap() const { return "127.0.0.1:" + std::to_string(ssl_port_); }
  std::string ca_file() const { return dir_ + "/tls/ca.pem"; }
  const std::string& dir() const { return dir_; }
  // "" for the default version.
  const std::string& version() const { return version_; }

  // Stops the broker process (data stays) and starts it again on the same ports.
  void StopProcess() {
    std::string out;
    RunCommand(Script("stop.sh") + " " + dir_, &out);
  }
  bool StartProcess() {
    std::string out;
    int rc =
        RunCommand(Env() + Script("start.sh") + " " + dir_ + " " + std::to_string(port_) + " " +
                       PortArg(sasl_port_) + " " + PortArg(scram_port_) + " " + PortArg(ssl_port_),
                   &out);
    if (rc != 0) error_ = "scripts/kafka/start.sh failed: " + out;
    return rc == 0;
  }

  ~KafkaBroker() {
    if (!dir_.empty()) {
      StopProcess();
      std::string out;
      RunCommand("rm -rf " + dir_, &out);
    }
  }

 private:
  KafkaBroker(std::string version, bool all_listeners) : version_(std::move(version)) {
    char tmpl[] = "/tmp/sluice-kafka-test-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    port_ = FreePort();
    scram_port_ = FreePort();
    if (all_listeners) {
      sasl_port_ = FreePort();
      ssl_port_ = FreePort();
    }
    StartProcess();
  }
  static std::string Script(const std::string& name) {
    return std::string(SLUICE_SOURCE_DIR) + "/scripts/kafka/" + name;
  }
  // start.sh (through fetch.sh) fetches and runs KAFKA_VERSION when set.
  std::string Env() const { return version_.empty() ? "" : "KAFKA_VERSION=" + version_ + " "; }
  // 0 is a listener this broker does not have: an empty argument to start.sh.
  static std::string PortArg(int port) { return port == 0 ? "''" : std::to_string(port); }

  std::string version_;
  std::string dir_;
  std::string error_;
  int port_ = 0;
  int sasl_port_ = 0;
  int scram_port_ = 0;
  int ssl_port_ = 0;
};

// Fails the current test (fatally) when the broker is not up.
#define SLUICE_REQUIRE_KAFKA()                                                         \
  do {                                                                                 \
    ASSERT_EQ(::sluice::testing::KafkaBroker::Get().error(), "") << "no Kafka broker"; \
  } while (0)

struct ConsumedRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  std::map<std::string, std::string> headers;
};

inline rd_kafka_t* NewClient(rd_kafka_type_t type, const std::string& bootstrap,
                             const std::map<std::string, std::string>& extra = {}) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  for (const auto& [k, v] : extra) rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
  if (rk == nullptr) ADD_FAILURE() << "rd_kafka_new: " << err;
  return rk;
}

// Creates `topic` with `partitions` and topic configs on `broker`; returns "" or the error.
inline std::string CreateTopic(const std::string& topic, int partitions,
                               const std::map<std::string, std::string>& configs = {},
                               const KafkaBroker& broker = KafkaBroker::Get()) {
  rd_kafka_t* rk = NewClient(RD_KAFKA_PRODUCER, broker.bootstrap());
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  for (const auto& [k, v] : configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 20000);
  std::string result;
  if (ev == nullptr) {
    result = "CreateTopics timed out";
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** res =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    if (rd_kafka_event_error(ev))
      result = rd_kafka_event_error_string(ev);
    else if (n != 1)
      result = "no topic result";
    else if (rd_kafka_topic_result_error(res[0]))
      result = rd_kafka_topic_result_error_string(res[0]);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_destroy(rk);
  return result;
}

// Reads every partition of `topic` from the start until `want` records arrived or `timeout`.
inline std::vector<ConsumedRecord> ReadTopic(const std::string& topic, size_t want,
                                             std::chrono::milliseconds timeout, int partitions,
                                             const KafkaBroker& broker = KafkaBroker::Get()) {
  rd_kafka_t* rk = NewClient(RD_KAFKA_CONSUMER, broker.bootstrap(),
                             {{"group.id", "sluice-test-reader"}, {"enable.auto.commit", "false"}});
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<ConsumedRecord> records;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (records.size() < want && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ConsumedRecord r;
      r.partition = m->partition;
      r.offset = m->offset;
      if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
      r.value.assign(static_cast<const char*>(m->payload), m->len);
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == 0; ++i) {
          r.headers[name] = std::string(static_cast<const char*>(value), size);
        }
      }
      records.push_back(std::move(r));
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return records;
}

}  // namespace sluice::testing
