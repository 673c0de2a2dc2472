#include "pipeline/engine.h"

#include "common/log.h"
#include "source/postgres/type_registry.h"

namespace sluice {
namespace {

// Features of the config format that later work delivers. Refusing them beats silently
// delivering rows a user meant to filter out.
Status CheckSupported(const SinkConfig& sink) {
  auto unsupported = [&](const char* what) {
    return Status::Fatal("sink " + sink.name + ": " + what +
                         " is not supported by this version of sluice yet; remove it");
  };
  if (!sink.where.empty()) return unsupported("`where`");
  if (!sink.filter.empty()) return unsupported("`filter`");
  if (!sink.transform.empty()) return unsupported("`transform`");
  if (!sink.routing.empty()) return unsupported("`routing`");
  if (!sink.dead_letter.empty()) return unsupported("`dead_letter` to another sink");
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Create(const Config& config, StateStore* store,
                                               const SinkFactory& make_sink) {
  std::unique_ptr<Engine> engine(new Engine(config, store));
  engine->types_.Set(std::make_shared<pg::TypeRegistry>());
  for (const DatabaseConfig& db : config.databases) {
    engine->databases_.push_back(
        std::make_unique<DatabasePipeline>(db, config.server.data_dir, &engine->types_));
  }
  SinkContext context{&config, store};
  for (const SinkConfig& sink : config.sinks) {
    SLUICE_RETURN_IF_ERROR(CheckSupported(sink));
    DatabasePipeline* db = nullptr;
    for (size_t i = 0; i < config.databases.size(); ++i) {
      if (config.databases[i].name == sink.database ||
          (sink.database.empty() && config.databases.size() == 1)) {
        db = engine->databases_[i].get();
      }
    }
    if (db == nullptr) {
      return Status::Fatal("sink " + sink.name + ": database \"" + sink.database +
                           "\" is not configured");
    }
    auto made = make_sink(sink, context);
    if (!made) return made.error().WithContext("sink " + sink.name);
    const DatabaseConfig& db_config = db->config();
    MessageContext message_context{sink.name,      sink.name,          db_config.name,
                                   db_config.name, db_config.database, db_config.hostname};
    engine->runners_.push_back(std::make_unique<SinkRunner>(
        sink, std::move(*made), message_context, store, &db->tracker(), &engine->types_));
    db->AddRunner(engine->runners_.back().get());
    engine->runner_database_.push_back(db);
  }
  return engine;
}

Engine::~Engine() { Stop(std::chrono::milliseconds(0)); }

Status Engine::Start() {
  for (auto& runner : runners_) SLUICE_RETURN_IF_ERROR(runner->Start());
  for (auto& db : databases_) SLUICE_RETURN_IF_ERROR(db->Check());
  for (auto& db : databases_) db->Start();
  return Status::Ok();
}

void Engine::Stop(std::chrono::milliseconds timeout) {
  for (auto& db : databases_) db->Stop(timeout);
  for (auto& runner : runners_) runner->Stop(timeout);
}

std::vector<SinkStatus> Engine::Sinks() const {
  std::vector<SinkStatus> out;
  for (size_t i = 0; i < runners_.size(); ++i) {
    SinkStatus s = runners_[i]->Report();
    const DatabasePipeline* db = runner_database_[i];
    Lsn server = db->server_lsn();
    Lsn settled = std::max(runners_[i]->cursor().commit_lsn, db->confirmed_lsn());
    s.lag_bytes = server > settled ? static_cast<int64_t>(server - settled) : 0;
    out.push_back(std::move(s));
  }
  return out;
}

HealthReport Engine::Health() const {
  HealthReport report;
  for (const auto& db : databases_) {
    if (db->streaming()) continue;
    report.ok = false;
    std::string error = db->last_error();
    report.failing.push_back("database " + db->name() + ": " +
                             (error.empty() ? "not connected" : error));
  }
  return report;
}

}  // namespace sluice
