#include "sinks/stdout/config.h"

namespace sluice {

Result<StdoutConfig> ParseStdoutConfig(ConfigNode& destination, const Config& config) {
  const size_t errors_before = destination.errors().all().size();
  destination.Has("type");
  StdoutConfig parsed;
  parsed.pretty = destination.GetBool("pretty", false);
  SLUICE_RETURN_IF_ERROR(destination.FinishParse(errors_before, "invalid stdout destination"));
  return parsed;
}

}  // namespace sluice
