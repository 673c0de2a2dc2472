#include "sinks/webhook/config.h"

#include <string_view>

#include "sinks/webhook/signature.h"
#include "sinks/webhook/url.h"

namespace sluice {
namespace {

bool HasLineBreak(std::string_view text) { return text.find_first_of("\r\n") != text.npos; }

// Fills the endpoint-derived fields of `parsed`, recording problems on the `http_endpoint` key.
void ResolveEndpoint(ConfigNode& destination, const Config& config, WebhookConfig& parsed) {
  parsed.endpoint_name = destination.RequireString("http_endpoint");
  const std::string path = destination.GetString("http_endpoint_path", "");
  if (parsed.endpoint_name.empty()) return;  // RequireString reported it

  const HttpEndpointConfig* endpoint = config.FindHttpEndpoint(parsed.endpoint_name);
  if (endpoint == nullptr) {
    std::string known;
    for (const auto& e : config.http_endpoints) known += (known.empty() ? "" : ", ") + e.name;
    destination.Error("http_endpoint", "unknown http endpoint \"" + parsed.endpoint_name +
                                           "\" (defined in http_endpoints: " +
                                           (known.empty() ? "none" : known) + ")");
    return;
  }
  Result<std::string> url = JoinUrl(endpoint->url, path);
  if (!url) {
    destination.Error("http_endpoint", "http endpoint \"" + parsed.endpoint_name +
                                           "\" with this path: " + url.error().message());
    return;
  }
  parsed.url = std::move(*url);
  for (const auto& [name, value] : endpoint->headers) {
    // A line break would let a header value smuggle in other headers or a second request.
    if (name.empty() || HasLineBreak(name) || HasLineBreak(value) || name.find(':') != name.npos) {
      destination.Error("http_endpoint", "http endpoint \"" + parsed.endpoint_name +
                                             "\" has a header with an invalid name or value");
      continue;
    }
    parsed.headers.push_back(name + ": " + value);
  }
}

}  // namespace

Result<WebhookConfig> ParseWebhookConfig(ConfigNode& destination, const Config& config) {
  const size_t errors_before = destination.errors().all().size();
  destination.Has("type");
  WebhookConfig parsed;
  ResolveEndpoint(destination, config, parsed);
  parsed.batch = destination.GetBool("batch", parsed.batch);
  parsed.timeout = destination.GetDuration("timeout", parsed.timeout);
  if (std::optional<std::string> secret = destination.GetString("signing_secret")) {
    Result<std::string> key = DecodeSigningSecret(*secret);
    if (key) {
      parsed.signing_key = std::move(*key);
    } else {
      destination.Error("signing_secret", key.error().message());
    }
  }
  parsed.tls = ParseTlsOptions(destination, "tls");
  if (!parsed.tls.server_name.empty()) {
    destination.Error("tls", "server_name is not supported by webhook sinks");
  }
  if (parsed.tls.enabled && parsed.url.rfind("http://", 0) == 0) {
    destination.Error("tls", "set, but http endpoint \"" + parsed.endpoint_name +
                                 "\" is plain http:// (use an https:// URL)");
  }
  SLUICE_RETURN_IF_ERROR(destination.FinishParse(errors_before, "invalid webhook destination"));
  return parsed;
}

}  // namespace sluice
