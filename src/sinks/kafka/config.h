#pragma once
// Typed, validated configuration of the `kafka` and `azure_event_hub` destinations
// (shared/spec/sinks.md). Both become one KafkaConfig: Event Hubs is Kafka behind SASL PLAIN.
#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "config/node.h"
#include "sinks/route_template.h"
#include "sinks/tls_options.h"

namespace sluice {

struct KafkaConfig {
  std::string hosts;                 // bootstrap servers, "host:port,host:port"
  RouteTemplate topic;               // e.g. "orders" or "sluice.{schema}.{table}"
  std::optional<RouteTemplate> key;  // default: the message group key
  TlsOptions tls;
  std::string sasl_mechanism;  // "" (none), PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
  std::string username;
  std::string password;              // never logged
  std::string compression = "none";  // none, gzip, snappy, lz4, zstd
  bool create_topic = false;         // create a missing topic instead of failing
  int topic_partitions = -1;         // for create_topic; -1: the broker's default
  int topic_replication_factor = -1;
  std::chrono::milliseconds connect_timeout{10000};  // how long Start waits for the brokers
  int max_in_flight = 32;                            // batches pipelined into librdkafka at once
  // Extra librdkafka producer properties (linger.ms, batch.size, ...); applied last, so
  // they override sluice's defaults.
  std::map<std::string, std::string> producer;
};

// Records every problem on `destination` (and returns the first as a Fatal status).
Result<KafkaConfig> ParseKafkaConfig(ConfigNode& destination, const Config& config);

// azure_event_hub: `namespace`, `event_hub_name`, `shared_access_key_name`,
// `shared_access_key`; optional `hosts` (default "<namespace>.servicebus.windows.net:9093"),
// `tls` and `producer` (tests reach a plaintext SASL listener with
// `producer: {security.protocol: sasl_plaintext}`).
Result<KafkaConfig> ParseEventHubConfig(ConfigNode& destination, const Config& config);

}  // namespace sluice
