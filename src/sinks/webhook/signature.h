#pragma once
// Standard Webhooks signing (https://www.standardwebhooks.com, spec/standard-webhooks.md):
//   webhook-signature: v1,<base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"))>
// Pure functions over OpenSSL; thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sinks/message.h"

namespace sluice {

// The HMAC key for a configured signing secret. As the spec's libraries do, "whsec_<base64>"
// means the base64-decoded bytes; any other text is used as raw bytes. Fails (without quoting
// the secret) on bad base64 after "whsec_" or an empty key.
Result<std::string> DecodeSigningSecret(std::string_view secret);

// The webhook-signature header value for one request. Fails only when OpenSSL cannot provide
// HMAC-SHA256 (a broken install).
Result<std::string> StandardWebhookSignature(std::string_view key, std::string_view webhook_id,
                                             int64_t timestamp, std::string_view body);

// webhook-id of a batched POST: "batch_" + the first 128 bits of SHA-256 over the batch's
// idempotency keys (newline-separated), in hex. The same messages give the same id on every
// retry; a batch re-formed with other messages gets another id, so a receiver that drops
// repeated ids never drops new messages. Fails only when OpenSSL cannot provide SHA-256.
Result<std::string> BatchWebhookId(const Batch& batch);

std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding; nullopt on anything else.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace sluice
