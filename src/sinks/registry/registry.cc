#include "sinks/registry/registry.h"

#include <string_view>

#include "sinks/http_pull/config.h"
#include "sinks/http_pull/http_pull_sink.h"
#include "sinks/kafka/config.h"
#include "sinks/kafka/kafka_sink.h"
#include "sinks/redis/config.h"
#include "sinks/redis/redis_sink.h"
#include "sinks/stdout/config.h"
#include "sinks/stdout/stdout_sink.h"
#include "sinks/webhook/config.h"
#include "sinks/webhook/webhook_sink.h"

namespace sluice {
namespace {

using Validate = void (*)(ConfigNode&, const Config&);
using Make = Result<std::unique_ptr<Sink>> (*)(const SinkConfig&, const SinkContext&);

struct SinkType {
  std::string_view name;
  Validate validate;
  Make make;
};

// Each sink's Parse<X>Config records its errors on the node; validation only needs those.
template <auto Parse>
void ValidateWith(ConfigNode& node, const Config& config) {
  (void)Parse(node, config);
}

constexpr SinkType kSinkTypes[] = {
    {"stdout", ValidateWith<ParseStdoutConfig>, MakeStdoutSink},
    {"webhook", ValidateWith<ParseWebhookConfig>, MakeWebhookSink},
    {"http_pull", ValidateWith<ParseHttpPullConfig>, MakeHttpPullSink},
    {"sequin_stream", ValidateWith<ParseHttpPullConfig>, MakeHttpPullSink},
    {"kafka", ValidateWith<ParseKafkaConfig>, MakeKafkaSink},
    {"azure_event_hub", ValidateWith<ParseEventHubConfig>, MakeEventHubSink},
    {"redis_stream", ValidateWith<ParseRedisStreamConfig>, MakeRedisStreamSink},
    {"redis_string", ValidateWith<ParseRedisStringConfig>, MakeRedisStringSink},
};

const SinkType* Find(std::string_view type) {
  for (const auto& t : kSinkTypes) {
    if (t.name == type) return &t;
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> SinkTypeNames() {
  std::vector<std::string> names;
  for (const auto& t : kSinkTypes) names.emplace_back(t.name);
  return names;
}

void ValidateDestination(const std::string& type, ConfigNode& destination, const Config& config) {
  const SinkType* t = Find(type);
  if (t == nullptr) {
    std::string known;
    for (const auto& n : SinkTypeNames()) known += (known.empty() ? "" : ", ") + n;
    destination.Error("type", "unknown destination type \"" + type + "\" (known: " + known + ")");
    return;
  }
  t->validate(destination, config);
}

Result<std::unique_ptr<Sink>> MakeSink(const SinkConfig& sink_config, const SinkContext& context) {
  const SinkType* t = Find(sink_config.destination_type);
  if (t == nullptr) {
    return Status::Fatal("sink \"" + sink_config.name + "\": unknown destination type \"" +
                         sink_config.destination_type + "\"");
  }
  return t->make(sink_config, context);
}

}  // namespace sluice
