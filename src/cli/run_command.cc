// `sluice run`: the daemon. Loads the config, opens the store, starts the engine and the HTTP
// API, then waits for SIGINT/SIGTERM and shuts down gracefully.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>

#include "api/http_server.h"
#include "cli/commands.h"
#include "common/log.h"
#include "pipeline/engine.h"
#include "sinks/registry/registry.h"
#include "store/sqlite/sqlite_store.h"

namespace sluice::cli {
namespace {

std::atomic<bool> g_shutdown_requested{false};
constexpr std::chrono::milliseconds kShutdownDrain{10000};

// Blocks SIGINT/SIGTERM in this thread (and so in every thread it starts), so that only
// WaitForShutdown receives them.
sigset_t BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a closed socket or pipe is an error value, not a death
  return set;
}

void WaitForShutdown(const sigset_t& set) {
  timespec tick{0, 200 * 1000 * 1000};
  while (!g_shutdown_requested) {
    int sig = sigtimedwait(&set, nullptr, &tick);
    if (sig == SIGINT || sig == SIGTERM) {
      SLUICE_LOG_INFO("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
      return;
    }
  }
}

}  // namespace

void RequestShutdown() { g_shutdown_requested = true; }

int RunCommand(const std::string& config_path) {
  auto config = LoadConfigFile(config_path, RegistryValidator());
  if (!config) {
    std::fprintf(stderr, "%s\n", config.error().message().c_str());
    return 2;
  }
  return RunDaemon(*config);
}

int RunDaemon(const Config& config) {
  log::SetFormat(config.server.log_format == "json" ? log::Format::kJson : log::Format::kText);
  sigset_t signals = BlockShutdownSignals();

  auto store = SqliteStore::Open(config.server.data_dir);
  if (!store) {
    SLUICE_LOG_ERROR("cannot open the state store in {}: {}", config.server.data_dir,
                     store.error().message());
    return 1;
  }
  auto engine = Engine::Create(config, store->get(), MakeSink);
  if (!engine) {
    SLUICE_LOG_ERROR("{}", engine.error().message());
    return 1;
  }
  ApiServer api(config, engine->get(), store->get());
  if (Status started = api.Start(); !started.ok()) {
    SLUICE_LOG_ERROR("cannot serve the HTTP API on {}: {}", config.server.listen,
                     started.message());
    return 1;
  }
  if (Status started = (*engine)->Start(); !started.ok()) {
    SLUICE_LOG_ERROR("{}", started.message());
    (*engine)->Stop(std::chrono::milliseconds(0));
    api.Stop();
    return 1;
  }
  SLUICE_LOG_INFO("sluice running: {} database(s), {} sink(s), API on http://{}",
                  config.databases.size(), config.sinks.size(), config.server.listen);
  WaitForShutdown(signals);
  (*engine)->Stop(kShutdownDrain);
  api.Stop();
  SLUICE_LOG_INFO("sluice stopped");
  return 0;
}

}  // namespace sluice::cli
