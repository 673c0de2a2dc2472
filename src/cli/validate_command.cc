// `sluice config validate FILE`: parses and validates without connecting anywhere.
#include <cstdio>

#include "cli/commands.h"

namespace sluice::cli {

int ValidateCommand(const std::string& path) {
  Result<Config> config = LoadConfigFile(path, RegistryValidator());
  if (!config) {
    // One problem per line, as ParseConfig lists them.
    std::fprintf(stderr, "%s\n", config.error().message().c_str());
    return 2;
  }
  std::printf("%s: ok\n", path.c_str());
  return 0;
}

}  // namespace sluice::cli
