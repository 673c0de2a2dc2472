#pragma once
// The API's route groups and the state they share (api/ internal).
//
// Each Add*Routes registers handlers on `server`; the handlers run on the server's worker
// threads and read `context`, which the ApiServer owns and keeps alive until the server has
// stopped.
#include <httplib.h>

#include <atomic>
#include <map>
#include <string>

#include "config/config.h"
#include "pipeline/engine_view.h"
#include "sinks/http_pull/config.h"
#include "store/state_store.h"

namespace sluice::api {

struct ApiContext {
  const Config* config = nullptr;
  const EngineView* engine = nullptr;
  StateStore* store = nullptr;
  // The http_pull sinks by name (= queue name), with their consumer settings.
  std::map<std::string, HttpPullConfig, std::less<>> pull_queues;
  std::atomic<bool> stopping{false};  // set by Stop so long polls return at once
};

// GET /health, GET /metrics, GET /.
void AddHealthRoutes(httplib::Server& server, ApiContext& context);
// POST /api/http_pull_consumers/{name}/receive|ack|nack and the /api/sequin_streams alias.
void AddPullRoutes(httplib::Server& server, ApiContext& context);
// GET /api/sinks, /api/sinks/{name}, /api/sinks/{name}/messages.
void AddSinkRoutes(httplib::Server& server, ApiContext& context);

}  // namespace sluice::api
