#include "sinks/redis/config.h"

namespace sluice {
namespace {

void ReadConnectionFields(ConfigNode& node, RedisConfig* config) {
  (void)node.Has("type");
  config->host = node.GetString("host", config->host);
  config->port = static_cast<int>(node.GetInt("port", config->port));
  if (config->port < 1 || config->port > 65535) node.Error("port", "must be between 1 and 65535");
  config->database = static_cast<int>(node.GetInt("database", 0));
  if (config->database < 0) node.Error("database", "must not be negative");
  config->username = node.GetString("username", "");
  config->password = node.GetString("password", "");
  if (!config->username.empty() && config->password.empty()) {
    node.Error("password", "required with username");
  }
  config->tls = ParseTlsOptions(node, "tls");
  config->timeout = node.GetDuration("timeout", config->timeout);
  if (config->timeout.count() <= 0) node.Error("timeout", "must be positive");
}

Result<RedisConfig> Finish(ConfigNode& node, size_t errors_before, RedisConfig config) {
  SLUICE_RETURN_IF_ERROR(node.FinishParse(errors_before, "invalid redis destination"));
  return config;
}

}  // namespace

Result<RedisConfig> ParseRedisStreamConfig(ConfigNode& destination, const Config&) {
  size_t errors_before = destination.errors().all().size();
  RedisConfig config;
  config.kind = RedisConfig::Kind::kStream;
  ReadConnectionFields(destination, &config);
  if (auto key =
          CompileRouteField(destination, "stream_key", destination.RequireString("stream_key"))) {
    config.stream_key = std::move(*key);
  }
  config.max_len = destination.GetOptionalInt("max_len");
  if (config.max_len && *config.max_len < 1) destination.Error("max_len", "must be positive");
  return Finish(destination, errors_before, std::move(config));
}

Result<RedisConfig> ParseRedisStringConfig(ConfigNode& destination, const Config&) {
  size_t errors_before = destination.errors().all().size();
  RedisConfig config;
  config.kind = RedisConfig::Kind::kString;
  ReadConnectionFields(destination, &config);
  config.key_prefix = destination.GetString("key_prefix", config.key_prefix);
  if (auto key = CompileRouteField(destination, "key",
                                   destination.GetString("key", "{schema}.{table}:{pks}"))) {
    config.key = std::move(*key);
  }
  config.expire_ms = destination.GetOptionalInt("expire_ms");
  if (config.expire_ms && *config.expire_ms < 1) destination.Error("expire_ms", "must be positive");
  return Finish(destination, errors_before, std::move(config));
}

}  // namespace sluice
