// `sluice version`: the release and how this binary was built.
#include <cstdio>
#include <string>

#include "cli/commands.h"

namespace sluice::cli {
namespace {

// The build flavour, from what the compiler tells us (no build-system plumbing needed).
std::string BuildInfo() {
#ifdef NDEBUG
  std::string info = "release";
#else
  std::string info = "debug";
#endif
#if defined(__SANITIZE_ADDRESS__)
  info += ", asan+ubsan";
#endif
#if defined(__clang__)
  info += ", clang " __clang_version__;
#elif defined(__GNUC__)
  info += ", g++ " __VERSION__;
#endif
  return info;
}

}  // namespace

int VersionCommand() {
  std::printf("sluice %s (%s)\n", SLUICE_VERSION, BuildInfo().c_str());
  return 0;
}

}  // namespace sluice::cli
