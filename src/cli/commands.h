#pragma once
// The subcommands of the `sluice` binary (shared/spec/cli.md). Each returns the exit code:
// 0 success, 1 runtime failure, 2 bad usage or invalid configuration.
#include <string>

#include "config/config.h"

namespace sluice::cli {

// Entry point: parses argv with CLI11 and dispatches.
int Main(int argc, char** argv);

// `sluice run --config FILE`: loads the file and runs the daemon until SIGINT/SIGTERM.
int RunCommand(const std::string& config_path);
// Runs the daemon on an already loaded configuration until SIGINT/SIGTERM (or until
// RequestShutdown). Used by `run` and `quickstart`.
int RunDaemon(const Config& config);
// Asks a running RunDaemon to shut down gracefully (what SIGINT/SIGTERM do).
void RequestShutdown();

// `sluice config validate FILE`.
int ValidateCommand(const std::string& path);
// `sluice quickstart`: throwaway Postgres + demo table + workload + stdout sink.
int QuickstartCommand();
// `sluice version`.
int VersionCommand();

// The destination validator backed by the sink registry (for ParseConfig).
DestinationValidator RegistryValidator();

}  // namespace sluice::cli
