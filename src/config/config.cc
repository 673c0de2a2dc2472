#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <exception>
#include <filesystem>

#include "config/env_substitution.h"
#include "config/parse.h"
#include "config/read_file.h"

namespace sluice {
namespace {

using config_internal::ParseDatabase;
using config_internal::ParseFunction;
using config_internal::ParseHttpEndpoint;
using config_internal::ParseServer;
using config_internal::ParseSink;
using config_internal::ValidateReferences;

// Adds "<file>:<line>:<col>: <message>" for a problem with the document as a whole.
void AddDocumentError(ConfigErrors& errors, const std::string& file, const YAML::Mark& mark,
                      const std::string& message) {
  std::string where = file.empty() ? "" : file + ":";
  int line = mark.is_null() ? 0 : mark.line + 1;
  int column = mark.is_null() ? 0 : mark.column + 1;
  if (line > 0) where += std::to_string(line) + ":" + std::to_string(column) + ":";
  errors.Add(line, column, where + (where.empty() ? "" : " ") + message);
}

template <typename T>
std::vector<T> ParseList(ConfigNode& root, std::string_view key, std::vector<ConfigNode>& nodes,
                         T (*parse)(ConfigNode&)) {
  nodes = root.GetMapList(key);
  std::vector<T> out;
  for (ConfigNode& node : nodes) out.push_back(parse(node));
  return out;
}

// Builds the Config from the document's root mapping; every problem lands in root's errors.
Config Build(ConfigNode& root, const std::string& file_name,
             DestinationValidator validate_destination) {
  Config config;
  config.file = file_name;
  if (auto server = root.GetMap("server")) config.server = ParseServer(*server);
  std::vector<ConfigNode> database_nodes, endpoint_nodes, function_nodes, sink_nodes;
  config.databases = ParseList(root, "databases", database_nodes, ParseDatabase);
  config.http_endpoints = ParseList(root, "http_endpoints", endpoint_nodes, ParseHttpEndpoint);
  function_nodes = root.GetMapList("functions");
  std::string base_dir = std::filesystem::path(file_name).parent_path().string();
  for (ConfigNode& node : function_nodes) config.functions.push_back(ParseFunction(node, base_dir));
  config.sinks = ParseList(root, "sinks", sink_nodes, ParseSink);
  root.RejectUnknownKeys();
  ValidateReferences(config, database_nodes, endpoint_nodes, function_nodes, sink_nodes);
  if (validate_destination == nullptr) return config;
  for (SinkConfig& sink : config.sinks) {
    if (!sink.destination || sink.destination_type.empty()) continue;
    validate_destination(sink.destination_type, *sink.destination, config);
    sink.destination->RejectUnknownKeys();
  }
  return config;
}

}  // namespace

const DatabaseConfig* Config::FindDatabase(std::string_view name) const {
  for (const auto& db : databases) {
    if (db.name == name) return &db;
  }
  return nullptr;
}

const HttpEndpointConfig* Config::FindHttpEndpoint(std::string_view name) const {
  for (const auto& endpoint : http_endpoints) {
    if (endpoint.name == name) return &endpoint;
  }
  return nullptr;
}

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& file_name,
                           DestinationValidator validate_destination) {
  auto errors = std::make_shared<ConfigErrors>();
  std::string text = SubstituteEnv(yaml_text, file_name, *errors);
  // yaml-cpp reports errors by throwing; this is the edge where they become values.
  try {
    YAML::Node document = YAML::Load(text);
    if (!document.IsMap() && !document.IsNull()) {
      AddDocumentError(*errors, file_name, document.Mark(),
                       "the top level must be a mapping (server, databases, sinks, ...)");
      return errors->ToStatus();
    }
    ConfigNode root(document, file_name, "", errors);
    Config config = Build(root, file_name, validate_destination);
    if (!errors->empty()) return errors->ToStatus();
    return config;
  } catch (const YAML::Exception& e) {
    AddDocumentError(*errors, file_name, e.mark, "invalid YAML: " + e.msg);
  } catch (const std::exception& e) {
    AddDocumentError(*errors, file_name, YAML::Mark::null_mark(), e.what());
  }
  return errors->ToStatus();
}

Result<Config> LoadConfigFile(const std::string& path, DestinationValidator validate_destination) {
  Result<std::string> text = ReadTextFile(path);
  if (!text) return text.error();
  return ParseConfig(*text, path, validate_destination);
}

}  // namespace sluice
