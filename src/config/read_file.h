#pragma once
// Reads a whole (small) text file: the configuration and function files it names.
#include <string>

#include "common/status.h"

namespace sluice {

// The file's bytes, or an error "cannot read <path>: <reason>".
Result<std::string> ReadTextFile(const std::string& path);

}  // namespace sluice
