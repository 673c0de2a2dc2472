// CLI11 dispatch for the `sluice` binary (shared/spec/cli.md).
#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "cli/commands.h"
#include "sinks/registry/registry.h"

namespace sluice::cli {

DestinationValidator RegistryValidator() { return ValidateDestination; }

int Main(int argc, char** argv) {
  CLI::App app{"sluice: Postgres change data capture to the systems you already run"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    VersionCommand();
    return std::string();
  });

  std::string config_path = "sluice.yaml";
  CLI::App* run = app.add_subcommand("run", "Run the daemon until SIGINT/SIGTERM");
  run->add_option("-c,--config", config_path, "Configuration file")->capture_default_str();

  app.add_subcommand("quickstart",
                     "Zero-configuration demo: a throwaway Postgres with demo data, streamed to "
                     "stdout");

  CLI::App* config = app.add_subcommand("config", "Work with configuration files");
  config->require_subcommand(1);
  std::string validate_path;
  CLI::App* validate =
      config->add_subcommand("validate", "Check a configuration file without connecting");
  validate->add_option("file", validate_path, "Configuration file")->required();

  app.add_subcommand("version", "Print version and build information");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;  // --help is success; anything else is bad usage
  }
  if (run->parsed()) return RunCommand(config_path);
  if (app.got_subcommand("quickstart")) return QuickstartCommand();
  if (validate->parsed()) return ValidateCommand(validate_path);
  if (app.got_subcommand("version")) return VersionCommand();
  return 2;
}

}  // namespace sluice::cli
