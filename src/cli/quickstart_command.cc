// `sluice quickstart`: a throwaway Postgres with demo data and a write workload, streamed to
// stdout by a daemon with the default API listener. Everything is undone on exit.
#include <signal.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/quickstart_postgres.h"
#include "cli/quickstart_workload.h"

namespace sluice::cli {
namespace {

constexpr std::chrono::milliseconds kWorkloadInterval{400};

// Holds SIGINT and SIGTERM back while the temporary server is set up, so that a Ctrl-C then
// still runs the cleanup instead of killing us with a Postgres left behind. Children start
// unblocked (RunProcess), so a Ctrl-C also ends a running initdb. Main thread only.
class SetupSignalGuard {
 public:
  SetupSignalGuard() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
  }
  ~SetupSignalGuard() { Release(); }
  // Consumes a pending SIGINT/SIGTERM, if any.
  bool Interrupted() {
    timespec no_wait{};
    return sigtimedwait(&signals_, nullptr, &no_wait) > 0;
  }
  // Restores the previous mask: from here on the daemon's own handlers take the signals.
  void Release() {
    if (released_) return;
    released_ = true;
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }

 private:
  sigset_t signals_;
  sigset_t previous_;
  bool released_ = false;
};

std::string ConnInfo(const TempPostgres& server, const std::string& dbname) {
  DatabaseConfig db;
  db.hostname = "127.0.0.1";
  db.port = server.port();
  db.database = dbname;
  return db.ConnInfo(false);
}

Config QuickstartConfig(const TempPostgres& server) {
  Config config;
  config.file = "(quickstart)";
  config.server.data_dir = server.dir() + "/sluice-data";
  DatabaseConfig db;
  db.name = "demo";
  db.hostname = "127.0.0.1";
  db.port = server.port();
  db.database = "demo";
  config.databases.push_back(db);
  SinkConfig sink;
  sink.name = "stdout";
  sink.database = db.name;
  sink.destination_type = "stdout";
  sink.destination = ConfigNode(YAML::Load("{type: stdout}"), config.file, "sinks[0].destination",
                                std::make_shared<ConfigErrors>());
  config.sinks.push_back(std::move(sink));
  return config;
}

void PrintBanner(const Config& config, const TempPostgres& server) {
  std::fprintf(stderr,
               "sluice quickstart\n"
               "  Postgres   throwaway server on 127.0.0.1:%d (files in %s)\n"
               "  Demo data  database \"demo\", table public.orders; a workload inserts, "
               "updates and deletes a row every %lld ms\n"
               "  Try        psql \"host=127.0.0.1 port=%d dbname=demo user=postgres\"\n"
               "  Output     every change prints on stdout as one JSON message (sink \"stdout\")\n"
               "  API        http://%s (console, /health, /metrics)\n"
               "  Ctrl-C to stop; the temporary database is removed on exit.\n\n",
               server.port(), server.dir().c_str(),
               static_cast<long long>(kWorkloadInterval.count()), server.port(),
               config.server.listen.c_str());
}

}  // namespace

int QuickstartCommand() {
  std::fprintf(stderr, "sluice quickstart: starting a temporary Postgres...\n");
  SetupSignalGuard signals;
  Result<std::unique_ptr<TempPostgres>> server = TempPostgres::Start();
  if (signals.Interrupted()) {
    std::fprintf(stderr, "quickstart: interrupted, cleaning up\n");
    return 0;  // `server`, if any, stops Postgres and removes its directory
  }
  if (!server) {
    std::fprintf(stderr, "quickstart: %s\n", server.error().message().c_str());
    return 1;
  }
  Status demo = CreateDemoDatabase(ConnInfo(**server, "postgres"), ConnInfo(**server, "demo"));
  if (signals.Interrupted()) {
    std::fprintf(stderr, "quickstart: interrupted, cleaning up\n");
    return 0;
  }
  if (!demo.ok()) {
    std::fprintf(stderr, "quickstart: creating the demo database: %s\n", demo.message().c_str());
    return 1;
  }
  Config config = QuickstartConfig(**server);
  PrintBanner(config, **server);
  signals.Release();
  DemoWorkload workload(ConnInfo(**server, "demo"), kWorkloadInterval);
  workload.Start();
  int exit_code = RunDaemon(config);
  workload.Stop();
  return exit_code;  // `server` stops Postgres and removes its directory on the way out
}

}  // namespace sluice::cli
