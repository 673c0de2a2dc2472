#include "sinks/stdout/config.h"

namespace sluice {

Result<StdoutConfig> ParseStdoutConfig(ConfigNode& destination, const Config& config) {
  const size_t errors_before = destination.errors().all().size();
  destination.Has("type");
  StdoutConfig parsed;
  parsed.pretty = destination.GetBool("pretty", false);
  destination.RejectUnknownKeys();

  const auto& errors = destination.errors().all();
  if (errors.size() == errors_before) return parsed;
  std::string message = "invalid stdout destination:";
  for (size_t i = errors_before; i < errors.size(); ++i) message += "\n" + errors[i];
  return Status::Fatal(std::move(message));
}

}  // namespace sluice
