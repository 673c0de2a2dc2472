#include <librdkafka/rdkafka.h>

#include <memory>
#include <string>
#include <vector>

#include "json_messages.h"
#include "readers.h"

namespace sluice::bench {
namespace {

struct ConsumerDeleter {
  void operator()(rd_kafka_t* rk) const {
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }
};

bool Set(rd_kafka_conf_t* conf, const char* name, const std::string& value, std::string* err) {
  char buf[512];
  if (rd_kafka_conf_set(conf, name, value.c_str(), buf, sizeof(buf)) == RD_KAFKA_CONF_OK) {
    return true;
  }
  *err = buf;
  return false;
}

// Creates `topics` (4 partitions each) unless they exist: the test broker does not
// auto-create topics, and a producer would otherwise fail on its first message.
bool CreateTopics(rd_kafka_t* rk, const std::vector<std::string>& topics, std::string* err) {
  if (topics.empty()) return true;
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  char errstr[512];
  for (const std::string& t : topics) {
    new_topics.push_back(rd_kafka_NewTopic_new(t.c_str(), 4, 1, errstr, sizeof(errstr)));
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), nullptr, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30000);
  bool ok = ev != nullptr;
  if (!ok) *err = "CreateTopics timed out";
  if (ev != nullptr) {
    const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(ev);
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        result != nullptr ? rd_kafka_CreateTopics_result_topics(result, &n) : nullptr;
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        *err = std::string(rd_kafka_topic_result_name(results[i])) + ": " + rd_kafka_err2str(e);
        ok = false;
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
  return ok;
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

bool CreateKafkaTopics(const std::string& brokers, const std::string& topics, std::string* err) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!Set(conf, "bootstrap.servers", brokers, err)) {
    rd_kafka_conf_destroy(conf);
    return false;
  }
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    *err = errstr;
    return false;
  }
  bool ok = CreateTopics(rk, SplitCommas(topics), err);
  rd_kafka_destroy(rk);
  return ok;
}

void ReadKafka(const std::string& brokers, const std::string& topic_regex, ArrivalStats* stats,
               const std::atomic<bool>& stop) {
  std::string err;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (!Set(conf, "bootstrap.servers", brokers, &err) ||
      !Set(conf, "group.id", "sluice-bench-" + std::to_string(NowMicros()), &err) ||
      !Set(conf, "auto.offset.reset", "earliest", &err) ||
      !Set(conf, "enable.auto.commit", "false", &err) ||
      // The default 500 ms fetch wait would add up to half a second to every latency.
      !Set(conf, "fetch.wait.max.ms", "5", &err) ||
      !Set(conf, "topic.metadata.refresh.interval.ms", "500", &err)) {
    rd_kafka_conf_destroy(conf);
    stats->RecordProblem("kafka: " + err);
    return;
  }
  char errstr[512];
  rd_kafka_t* raw = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (raw == nullptr) {
    rd_kafka_conf_destroy(conf);
    stats->RecordProblem(std::string("kafka: ") + errstr);
    return;
  }
  std::unique_ptr<rd_kafka_t, ConsumerDeleter> rk(raw);
  rd_kafka_poll_set_consumer(rk.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic_regex.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t sub = rd_kafka_subscribe(rk.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (sub != RD_KAFKA_RESP_ERR_NO_ERROR) {
    stats->RecordProblem(std::string("kafka subscribe: ") + rd_kafka_err2str(sub));
    return;
  }
  JsonMessages parser;
  std::vector<Arrival> arrivals;
  std::string error;
  while (!stop.load()) {
    rd_kafka_message_t* msg =
        rd_kafka_consumer_poll(rk.get(), static_cast<int>(kPollInterval.count()));
    if (msg == nullptr) continue;
    int64_t arrival_us = NowMicros();
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR && msg->payload != nullptr) {
      arrivals.clear();
      std::string_view body(static_cast<const char*>(msg->payload), msg->len);
      if (parser.ParseBody(body, &arrivals, &error)) {
        stats->Record(arrivals, arrival_us);
      } else {
        stats->RecordProblem(error);
      }
    }
    // Partition EOF and null payloads (tombstones) are not changes; other errors are counted.
    if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR && msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      stats->RecordProblem(std::string("kafka: ") + rd_kafka_message_errstr(msg));
    }
    rd_kafka_message_destroy(msg);
  }
}

}  // namespace sluice::bench
