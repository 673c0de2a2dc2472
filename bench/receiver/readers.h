#pragma once
// The ways a change reaches the receiver. Each reader runs on its own thread, records into
// the shared ArrivalStats, and returns once `stop` is set (every wait is bounded by
// kPollInterval) or its source ends.
#include <atomic>
#include <chrono>
#include <string>

#include "arrival.h"

namespace httplib {
class Server;
}

namespace sluice::bench {

inline constexpr std::chrono::milliseconds kPollInterval{200};

// Webhooks (sluice's webhook sink, Debezium's HTTP sink): every POST on `server` is a body of
// messages. Installs the handler only; the caller runs the server.
void ServeWebhooks(httplib::Server* server, ArrivalStats* stats);

// A Redis stream written by sluice's redis_stream sink, read with XREAD from the start.
void ReadRedisStream(const std::string& host, int port, const std::string& key, ArrivalStats* stats,
                     const std::atomic<bool>& stop);

// sluice's HTTP pull queue: receive, record, ack, repeat.
void ReadHttpPull(const std::string& host, int port, const std::string& consumer,
                  ArrivalStats* stats, const std::atomic<bool>& stop);

// Creates the comma-separated Kafka `topics` that do not exist yet (4 partitions each): the
// test broker does not auto-create topics. Blocks up to 30 s; false with `err` on failure.
bool CreateKafkaTopics(const std::string& brokers, const std::string& topics, std::string* err);

// Kafka topics named by `topic_regex` (a name, or a librdkafka "^regex"), from the start.
void ReadKafka(const std::string& brokers, const std::string& topic_regex, ArrivalStats* stats,
               const std::atomic<bool>& stop);

}  // namespace sluice::bench
