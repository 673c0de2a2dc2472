#include "sinks/kafka/config.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cctype>

namespace sluice {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Fields both destination types share: compression, topic creation, pipelining, producer.
void ReadProducerFields(ConfigNode& node, KafkaConfig* config) {
  config->compression = Lower(node.GetString("compression", "none"));
  static constexpr std::string_view kCodecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  if (std::find(std::begin(kCodecs), std::end(kCodecs), config->compression) == std::end(kCodecs)) {
    node.Error("compression", "must be one of none, gzip, snappy, lz4, zstd");
  }
  config->create_topic = node.GetBool("create_topic", false);
  config->topic_partitions = static_cast<int>(node.GetInt("topic_partitions", -1));
  config->topic_replication_factor = static_cast<int>(node.GetInt("topic_replication_factor", -1));
  if (config->topic_partitions == 0 || config->topic_partitions < -1) {
    node.Error("topic_partitions", "must be positive (or -1 for the broker's default)");
  }
  config->connect_timeout = node.GetDuration("connect_timeout", config->connect_timeout);
  if (config->connect_timeout.count() <= 0) node.Error("connect_timeout", "must be positive");
  config->max_in_flight = static_cast<int>(node.GetInt("max_in_flight", config->max_in_flight));
  if (config->max_in_flight < 1 || config->max_in_flight > 1000) {
    node.Error("max_in_flight", "must be between 1 and 1000");
  }
  config->producer = node.GetStringMap("producer");
}

// Lets librdkafka check each `producer:` property, so a typo is a config error, not a
// runtime one. Values are not echoed: one of them may be a secret.
void CheckProducerProperties(ConfigNode& node, const std::map<std::string, std::string>& producer) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [name, value] : producer) {
    switch (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr)) {
      case RD_KAFKA_CONF_OK:
        break;
      case RD_KAFKA_CONF_UNKNOWN:
        node.Error("producer", "unknown librdkafka property \"" + name + "\"");
        break;
      case RD_KAFKA_CONF_INVALID:
        node.Error("producer", "invalid value for librdkafka property \"" + name + "\"");
        break;
    }
  }
  rd_kafka_conf_destroy(conf);
}

// Turns the errors recorded on `node` during this parse into the returned status.
Result<KafkaConfig> Finish(ConfigNode& node, size_t errors_before, KafkaConfig config) {
  CheckProducerProperties(node, config.producer);
  SLUICE_RETURN_IF_ERROR(node.FinishParse(errors_before, "invalid kafka destination"));
  return config;
}

}  // namespace

Result<KafkaConfig> ParseKafkaConfig(ConfigNode& destination, const Config&) {
  size_t errors_before = destination.errors().all().size();
  (void)destination.Has("type");
  KafkaConfig config;
  std::vector<std::string> hosts = destination.GetStringList("hosts");
  if (hosts.empty()) destination.Error("hosts", "required (e.g. localhost:9092)");
  for (const auto& host : hosts) config.hosts += (config.hosts.empty() ? "" : ",") + host;

  if (auto topic = CompileRouteField(destination, "topic", destination.RequireString("topic"))) {
    config.topic = std::move(*topic);
  }
  if (auto key = destination.GetString("key"))
    config.key = CompileRouteField(destination, "key", *key);
  config.tls = ParseTlsOptions(destination, "tls");

  std::string mechanism = Lower(destination.GetString("sasl_mechanism", ""));
  std::replace(mechanism.begin(), mechanism.end(), '-', '_');
  if (mechanism == "plain") {
    config.sasl_mechanism = "PLAIN";
  } else if (mechanism == "scram_sha_256") {
    config.sasl_mechanism = "SCRAM-SHA-256";
  } else if (mechanism == "scram_sha_512") {
    config.sasl_mechanism = "SCRAM-SHA-512";
  } else if (!mechanism.empty()) {
    destination.Error("sasl_mechanism", "must be one of plain, scram_sha_256, scram_sha_512");
  }
  if (!config.sasl_mechanism.empty()) {
    config.username = destination.RequireString("username");
    config.password = destination.RequireString("password");
  } else if (destination.Has("username") || destination.Has("password")) {
    destination.Error(destination.Has("username") ? "username" : "password",
                      "needs sasl_mechanism (plain, scram_sha_256 or scram_sha_512)");
  }
  ReadProducerFields(destination, &config);
  return Finish(destination, errors_before, std::move(config));
}

Result<KafkaConfig> ParseEventHubConfig(ConfigNode& destination, const Config&) {
  size_t errors_before = destination.errors().all().size();
  (void)destination.Has("type");
  KafkaConfig config;
  std::string ns = destination.RequireString("namespace");
  // Accept both "myns" and "myns.servicebus.windows.net".
  std::string host = ns.find('.') == std::string::npos ? ns + ".servicebus.windows.net" : ns;
  config.hosts = destination.GetString("hosts", host + ":9093");
  if (auto topic = CompileRouteField(destination, "event_hub_name",
                                     destination.RequireString("event_hub_name"))) {
    config.topic = std::move(*topic);
  }
  std::string key_name = destination.RequireString("shared_access_key_name");
  std::string key = destination.RequireString("shared_access_key");
  // Event Hubs' Kafka endpoint: SASL PLAIN over TLS, the literal user "$ConnectionString"
  // and the namespace connection string as the password.
  config.sasl_mechanism = "PLAIN";
  config.username = "$ConnectionString";
  config.password =
      "Endpoint=sb://" + host + "/;SharedAccessKeyName=" + key_name + ";SharedAccessKey=" + key;
  if (destination.KindOf("tls") == ConfigNode::Kind::kAbsent) {
    config.tls.enabled = true;
    (void)destination.Has("tls");
  } else {
    config.tls = ParseTlsOptions(destination, "tls");
  }
  ReadProducerFields(destination, &config);
  return Finish(destination, errors_before, std::move(config));
}

}  // namespace sluice
