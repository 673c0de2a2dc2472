#include "sinks/http_pull/config.h"

#include <string>

namespace sluice {
namespace {

// SQS's limit; a longer lease hides a crashed consumer's messages for too long.
constexpr std::chrono::milliseconds kMaxVisibilityTimeout = std::chrono::hours(12);

}  // namespace

bool IsHttpPullType(std::string_view destination_type) {
  return destination_type == "http_pull" || destination_type == "sequin_stream";
}

Result<HttpPullConfig> ParseHttpPullConfig(ConfigNode& destination, const Config& config) {
  const size_t errors_before = destination.errors().all().size();
  destination.Has("type");
  HttpPullConfig parsed;
  parsed.visibility_timeout =
      destination.GetDuration("visibility_timeout", parsed.visibility_timeout);
  if (parsed.visibility_timeout <= std::chrono::milliseconds(0) ||
      parsed.visibility_timeout > kMaxVisibilityTimeout) {
    destination.Error("visibility_timeout", "must be more than 0 and at most 12h");
  }
  int64_t max_ack_pending = destination.GetInt("max_ack_pending", parsed.max_ack_pending);
  if (max_ack_pending < 1 || max_ack_pending > 1000000) {
    destination.Error("max_ack_pending", "must be between 1 and 1000000");
  }
  parsed.max_ack_pending = static_cast<int>(max_ack_pending);
  SLUICE_RETURN_IF_ERROR(destination.FinishParse(errors_before, "invalid http_pull destination"));
  return parsed;
}

Result<HttpPullConfig> HttpPullConfigOf(const SinkConfig& sink, const Config& config) {
  if (!sink.destination) return HttpPullConfig{};
  ConfigNode destination = *sink.destination;  // parsing marks keys; leave the original alone
  Result<HttpPullConfig> parsed = ParseHttpPullConfig(destination, config);
  if (!parsed) return parsed.error().WithContext("sink \"" + sink.name + "\"");
  return parsed;
}

}  // namespace sluice
