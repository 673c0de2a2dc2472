#pragma once
// Typed configuration of a `stdout` destination (shared/spec/sinks.md).
#include "common/status.h"
#include "config/config.h"

namespace sluice {

struct StdoutConfig {
  bool pretty = false;  // indented JSON instead of one message per line
};

// Reads the `destination` mapping of a stdout sink. Problems are recorded on `destination`
// (with file positions) and also returned as a fatal Status.
Result<StdoutConfig> ParseStdoutConfig(ConfigNode& destination, const Config& config);

}  // namespace sluice
