#pragma once
// Typed configuration of a `webhook` destination (shared/spec/sinks.md), resolved against the
// config's `http_endpoints`.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "sinks/tls_options.h"

namespace sluice {

struct WebhookConfig {
  std::string endpoint_name;  // the `http_endpoint` it was built from
  // Full URL: the endpoint's url with `http_endpoint_path` appended. May hold credentials.
  std::string url;
  // The endpoint's headers as "Name: value" lines, in name order. Values may be secrets.
  std::vector<std::string> headers;
  bool batch = true;  // true: one POST of {"data": [...]} per batch; false: one per message
  std::chrono::milliseconds timeout{30000};  // per request, connecting included
  // HMAC key for Standard Webhooks signatures (the decoded `signing_secret`); empty: unsigned.
  std::string signing_key;
  // `tls`: certificate checks and an optional client certificate. Whether TLS is used at all
  // follows the URL's scheme; server_name is not supported (the URL's host is verified).
  TlsOptions tls;
};

// Reads the `destination` mapping of a webhook sink:
//   http_endpoint (required; a name in `http_endpoints`), http_endpoint_path, batch (true),
//   timeout (30s), signing_secret, tls (sinks/tls_options.h; only with an https URL).
// Problems are recorded on `destination` (with file positions, never quoting a value) and also
// returned as a fatal Status.
Result<WebhookConfig> ParseWebhookConfig(ConfigNode& destination, const Config& config);

}  // namespace sluice
