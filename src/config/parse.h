#pragma once
// Internal to config/: one parser per section of sluice.yaml. Each reads its node, records
// errors on it and rejects unknown keys in it (and in the mappings it opens). Checks that
// span sections (unique names, references) are in validate.cc; ParseConfig in config.cc
// puts it together.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace sluice::config_internal {

ServerConfig ParseServer(ConfigNode& node);
DatabaseConfig ParseDatabase(ConfigNode& node);
HttpEndpointConfig ParseHttpEndpoint(ConfigNode& node);
// `base_dir` is where a relative `file:` is resolved.
FunctionConfig ParseFunction(ConfigNode& node, const std::string& base_dir);
// Reads destination.type; the rest of the destination is the DestinationValidator's.
SinkConfig ParseSink(ConfigNode& node);

// Cross-section checks. `*_nodes[i]` is the node config.<section>[i] came from (for error
// positions). Fills in each sink's default database.
void ValidateReferences(Config& config, std::vector<ConfigNode>& database_nodes,
                        std::vector<ConfigNode>& endpoint_nodes,
                        std::vector<ConfigNode>& function_nodes,
                        std::vector<ConfigNode>& sink_nodes);

// Reads `key` and records an error unless it is one of `allowed`; returns the value or
// `default_value`.
std::string GetEnum(ConfigNode& node, std::string_view key, std::string default_value,
                    const std::vector<std::string_view>& allowed);

// "schema.table" with both parts non-empty.
bool IsQualifiedTableName(std::string_view name);

inline bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace sluice::config_internal
