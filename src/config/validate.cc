// Checks that span sections: unique names and references between them.
#include <map>

#include "config/parse.h"

namespace sluice::config_internal {
namespace {

// Names appear in API paths, metric labels and logs, so they keep to a URL-safe alphabet.
bool IsValidName(const std::string& name) {
  if (name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// Records an error on every malformed name and on every name an earlier item already uses.
template <typename T>
void CheckNames(const std::vector<T>& items, std::vector<ConfigNode>& nodes,
                std::string_view what) {
  std::map<std::string, std::string> first_path;  // name -> path of its first use
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].name.empty()) continue;
    if (!IsValidName(items[i].name)) {
      nodes[i].Error("name", "use letters, digits, '-', '_' and '.' (at most 128)");
      continue;
    }
    auto [it, inserted] = first_path.emplace(items[i].name, nodes[i].path());
    if (!inserted) {
      nodes[i].Error("name", "duplicate " + std::string(what) + " name \"" + items[i].name +
                                 "\" (also " + it->second + ")");
    }
  }
}

void CheckSinkDatabase(const Config& config, SinkConfig& sink, ConfigNode& node) {
  if (!sink.database.empty()) {
    if (config.FindDatabase(sink.database) == nullptr) {
      node.Error("database", "no database named \"" + sink.database + "\" in databases");
    }
    return;
  }
  if (config.databases.size() == 1) {
    sink.database = config.databases[0].name;
  } else if (config.databases.empty()) {
    node.Error("database", "no database to read from: define one under databases");
  } else {
    node.Error("database", "required when several databases are defined");
  }
}

void CheckFunction(const Config& config, const std::string& name, std::string_view type,
                   ConfigNode& node) {
  if (name.empty()) return;
  for (const auto& function : config.functions) {
    if (function.name != name) continue;
    if (function.type != type && !function.type.empty()) {
      node.Error(type, "function \"" + name + "\" is a " + function.type + " function, not a " +
                           std::string(type) + " function");
    }
    return;
  }
  node.Error(type, "no function named \"" + name + "\" in functions");
}

void CheckDeadLetter(const Config& config, const SinkConfig& sink, ConfigNode& node) {
  if (sink.dead_letter.empty()) return;
  if (sink.dead_letter == sink.name) {
    node.Error("dead_letter", "a sink cannot be its own dead-letter sink");
    return;
  }
  for (const auto& other : config.sinks) {
    if (other.name == sink.dead_letter) return;
  }
  node.Error("dead_letter", "no sink named \"" + sink.dead_letter + "\" in sinks");
}

}  // namespace

void ValidateReferences(Config& config, std::vector<ConfigNode>& database_nodes,
                        std::vector<ConfigNode>& endpoint_nodes,
                        std::vector<ConfigNode>& function_nodes,
                        std::vector<ConfigNode>& sink_nodes) {
  CheckNames(config.databases, database_nodes, "database");
  CheckNames(config.http_endpoints, endpoint_nodes, "http endpoint");
  CheckNames(config.functions, function_nodes, "function");
  CheckNames(config.sinks, sink_nodes, "sink");
  for (size_t i = 0; i < config.sinks.size(); ++i) {
    SinkConfig& sink = config.sinks[i];
    CheckSinkDatabase(config, sink, sink_nodes[i]);
    CheckFunction(config, sink.filter, "filter", sink_nodes[i]);
    CheckFunction(config, sink.transform, "transform", sink_nodes[i]);
    CheckFunction(config, sink.routing, "routing", sink_nodes[i]);
    CheckDeadLetter(config, sink, sink_nodes[i]);
  }
}

}  // namespace sluice::config_internal
