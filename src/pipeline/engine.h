#pragma once
// Engine: the running daemon's data plane. Builds one SinkRunner per configured sink and one
// DatabasePipeline per database, starts and stops them in the right order, and answers the
// API's questions (EngineView).
//
// Threads: Create/Start/Stop from the main thread; EngineView methods from any thread.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "config/config.h"
#include "pipeline/database_pipeline.h"
#include "pipeline/engine_view.h"
#include "pipeline/sink_runner.h"
#include "sinks/sink.h"
#include "store/state_store.h"

namespace sluice {

using SinkFactory =
    std::function<Result<std::unique_ptr<Sink>>(const SinkConfig&, const SinkContext&)>;

class Engine : public EngineView {
 public:
  // `config` and `store` must outlive the engine. Fails (fatal) on configuration the engine
  // cannot honour, and when a sink cannot be built.
  static Result<std::unique_ptr<Engine>> Create(const Config& config, StateStore* store,
                                                const SinkFactory& make_sink);
  ~Engine() override;

  // Starts the sinks, then checks each database (fatal configuration problems return here)
  // and starts streaming.
  Status Start();
  // Graceful: stops reading, lets sinks settle in-flight work (up to `timeout`), confirms the
  // slot, stops the sinks.
  void Stop(std::chrono::milliseconds timeout);

  // EngineView
  std::vector<SinkStatus> Sinks() const override;
  HealthReport Health() const override;

 private:
  Engine(const Config& config, StateStore* store) : config_(config), store_(store) {}

  const Config& config_;
  StateStore* store_;
  TypeRegistrySource types_;
  std::vector<std::unique_ptr<SinkRunner>> runners_;
  std::vector<std::unique_ptr<DatabasePipeline>> databases_;
  std::vector<DatabasePipeline*> runner_database_;  // per runner
};

}  // namespace sluice
