#pragma once
// Typed, validated configuration of the `redis_stream` and `redis_string` destinations
// (shared/spec/sinks.md).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "config/config.h"
#include "config/node.h"
#include "sinks/route_template.h"
#include "sinks/tls_options.h"

namespace sluice {

struct RedisConfig {
  enum class Kind { kStream, kString };
  Kind kind = Kind::kStream;

  std::string host = "localhost";
  int port = 6379;
  int database = 0;
  std::string username;  // ACL user; empty with a password: the `default` user
  std::string password;  // never logged
  TlsOptions tls;
  std::chrono::milliseconds timeout{5000};  // connect, and each batch's round trip

  // redis_stream: XADD <stream_key> [MAXLEN ~ max_len] * <field> <value> ...
  RouteTemplate stream_key;
  std::optional<int64_t> max_len;

  // redis_string: SET <key_prefix>:<key> <body> [PX expire_ms]; DEL on delete.
  std::string key_prefix = "sluice";
  RouteTemplate key;  // default "{schema}.{table}:{pks}"
  std::optional<int64_t> expire_ms;
};

// Each records every problem on `destination` and returns them as one Fatal status.
Result<RedisConfig> ParseRedisStreamConfig(ConfigNode& destination, const Config& config);
Result<RedisConfig> ParseRedisStringConfig(ConfigNode& destination, const Config& config);

}  // namespace sluice
