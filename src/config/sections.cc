// Parsers for the small sections: server, http_endpoints, functions.
#include <charconv>
#include <filesystem>

#include "config/parse.h"
#include "config/read_file.h"

namespace sluice::config_internal {
namespace {

// Splits "host:port" or "[v6]:port"; nullopt when malformed or the port is not 1..65535.
std::optional<std::pair<std::string, int>> SplitListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = listen.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;  // a bare IPv6 address needs brackets
  }
  int port = 0;
  const char* begin = listen.data() + colon + 1;
  const char* end = listen.data() + listen.size();
  auto [ptr, ec] = std::from_chars(begin, end, port);
  if (ec != std::errc() || ptr != end || begin == end || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return std::make_pair(host, port);
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

std::string GetEnum(ConfigNode& node, std::string_view key, std::string default_value,
                    const std::vector<std::string_view>& allowed) {
  std::optional<std::string> value = node.GetString(key);
  if (!value) return default_value;
  for (std::string_view option : allowed) {
    if (*value == option) return *value;
  }
  std::string list;
  for (std::string_view option : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(option);
  }
  node.Error(key, "must be one of: " + list);
  return default_value;
}

bool IsQualifiedTableName(std::string_view name) {
  size_t dot = name.find('.');
  return dot != std::string_view::npos && dot > 0 && dot + 1 < name.size();
}

ServerConfig ParseServer(ConfigNode& node) {
  ServerConfig server;
  server.listen = node.GetString("listen", server.listen);
  server.api_tokens = node.GetStringList("api_tokens");
  server.data_dir = node.GetString("data_dir", server.data_dir);
  server.log_format = GetEnum(node, "log_format", server.log_format, {"text", "json"});
  auto listen = SplitListen(server.listen);
  if (!listen) {
    node.Error("listen", "expected host:port with a port from 1 to 65535 (e.g. 127.0.0.1:7433)");
  } else if (!IsLoopback(listen->first) && server.api_tokens.empty()) {
    node.Error("listen", "a non-loopback address requires api_tokens (bearer tokens for the API)");
  }
  for (const auto& token : server.api_tokens) {
    if (token.empty()) node.Error("api_tokens", "tokens must not be empty");
  }
  if (server.data_dir.empty()) node.Error("data_dir", "must not be empty");
  node.RejectUnknownKeys();
  return server;
}

HttpEndpointConfig ParseHttpEndpoint(ConfigNode& node) {
  HttpEndpointConfig endpoint;
  endpoint.name = node.RequireString("name");
  endpoint.url = node.RequireString("url");
  if (!endpoint.url.empty() && !StartsWith(endpoint.url, "http://") &&
      !StartsWith(endpoint.url, "https://")) {
    node.Error("url", "expected an http:// or https:// URL");
  }
  endpoint.headers = node.GetStringMap("headers");
  node.RejectUnknownKeys();
  return endpoint;
}

FunctionConfig ParseFunction(ConfigNode& node, const std::string& base_dir) {
  FunctionConfig function;
  function.name = node.RequireString("name");
  function.type = GetEnum(node, "type", "", {"filter", "transform", "routing"});
  if (!node.Has("type")) node.Error("type", "required");
  std::optional<std::string> code = node.GetString("code");
  std::optional<std::string> file = node.GetString("file");
  if (code && file) {
    node.Error("file", "set either code or file, not both");
  } else if (code) {
    function.code = *code;
  } else if (file) {
    std::filesystem::path path(*file);
    if (path.is_relative() && !base_dir.empty()) path = std::filesystem::path(base_dir) / path;
    Result<std::string> text = ReadTextFile(path.string());
    if (text) {
      function.code = std::move(*text);
    } else {
      node.Error("file", text.error().message());
    }
  } else {
    node.Error("code", "required (or file)");
  }
  node.RejectUnknownKeys();
  return function;
}

}  // namespace sluice::config_internal
