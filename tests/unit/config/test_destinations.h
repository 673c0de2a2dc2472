#pragma once
// A DestinationValidator for config tests, standing in for the sink registry (which lives in
// sinks/ and is not linked into unit_config). It knows three types with the field rules of
// shared/spec/sinks.md that the cases exercise.
#include <string>

#include "config/config.h"

namespace sluice::testing {

inline void ValidateTestDestination(const std::string& type, ConfigNode& destination,
                                    const Config& config) {
  if (type == "stdout") {
    destination.GetBool("pretty", false);
  } else if (type == "kafka") {
    destination.RequireString("hosts");
    destination.RequireString("topic");
    destination.GetString("password");
  } else if (type == "webhook") {
    std::string endpoint = destination.RequireString("http_endpoint");
    if (!endpoint.empty() && config.FindHttpEndpoint(endpoint) == nullptr) {
      destination.Error("http_endpoint", "no http endpoint named \"" + endpoint + "\"");
    }
  } else {
    destination.Error("type", "unknown destination type \"" + type + "\"");
  }
}

}  // namespace sluice::testing
