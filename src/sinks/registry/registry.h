#pragma once
// The explicit list of sink types: validation of each type's `destination` fields and the
// factory that builds it. Adding a sink means adding one line to each list in registry.cc.
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "sinks/sink.h"

namespace sluice {

// Records errors on `destination` for unknown types, missing or malformed fields.
void ValidateDestination(const std::string& type, ConfigNode& destination, const Config& config);

// Builds the sink for `sink_config` (its destination must have validated).
Result<std::unique_ptr<Sink>> MakeSink(const SinkConfig& sink_config, const SinkContext& context);

// Every known destination type name (aliases included).
std::vector<std::string> SinkTypeNames();

}  // namespace sluice
