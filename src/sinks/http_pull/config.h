#pragma once
// Typed configuration of an `http_pull` (alias `sequin_stream`) destination
// (shared/spec/sinks.md): a durable queue in the state store that consumers pull from over
// the HTTP API (shared/spec/http-api.md).
#include <chrono>
#include <string_view>

#include "common/status.h"
#include "config/config.h"

namespace sluice {

struct HttpPullConfig {
  // How long a received message stays hidden from other receivers before redelivery.
  std::chrono::milliseconds visibility_timeout{30000};
  // Most messages handed out and not yet acknowledged at once, per queue.
  int max_ack_pending = 10000;
};

// True for the destination types served by the http_pull sink.
bool IsHttpPullType(std::string_view destination_type);

// Reads the `destination` mapping of an http_pull sink. Problems are recorded on `destination`
// (with file positions) and also returned as a fatal Status.
Result<HttpPullConfig> ParseHttpPullConfig(ConfigNode& destination, const Config& config);

// The parsed destination of an http_pull sink of a loaded (already validated) config; the
// defaults when it has no destination mapping. Used by the sink and by the HTTP API.
Result<HttpPullConfig> HttpPullConfigOf(const SinkConfig& sink, const Config& config);

}  // namespace sluice
