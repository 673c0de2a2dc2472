// GET /health, GET /metrics and GET / (a pointer to the API; the web console is not built in).
#include "api/json_response.h"
#include "api/routes.h"
#include "common/log.h"
#include "common/metrics.h"

namespace sluice::api {
namespace {

constexpr const char* kQueueDepthMetric = "sluice_http_pull_queue_messages";

// Publishes each http_pull queue's depth before a scrape, so the gauge is as fresh as the
// scrape itself. Its own name: sluice_backlog_messages (same labels) is the sink runner's
// count of messages not yet enqueued, and sharing it would make both flap.
void UpdateQueueDepths(const ApiContext& context) {
  for (const SinkConfig& sink : context.config->sinks) {
    if (context.pull_queues.find(sink.name) == context.pull_queues.end()) continue;
    Result<int64_t> depth = context.store->QueueDepth(sink.name);
    if (!depth) {
      SLUICE_LOG_WARN("metrics: queue depth of sink \"{}\": {}", sink.name,
                      depth.error().message());
      continue;
    }
    Metrics::Global()
        .GetGauge(kQueueDepthMetric, {{"sink", sink.name}, {"database", sink.database}})
        ->Set(*depth);
  }
}

}  // namespace

void AddHealthRoutes(httplib::Server& server, ApiContext& context) {
  server.Get("/health", [&context](const httplib::Request&, httplib::Response& res) {
    HealthReport report = context.engine->Health();
    if (Status store = context.store->Ping(); !store.ok()) {
      report.ok = false;
      report.failing.push_back("state store: " + store.message());
    }
    nlohmann::json body = {{"ok", report.ok}, {"version", SLUICE_VERSION}};
    if (!report.ok) body["failing"] = report.failing;
    SendJson(res, report.ok ? 200 : 503, body);
  });

  Metrics::Global().Describe(kQueueDepthMetric,
                             "Messages in an http_pull queue not yet acknowledged by consumers.");
  server.Get("/metrics", [&context](const httplib::Request&, httplib::Response& res) {
    UpdateQueueDepths(context);
    res.set_content(Metrics::Global().RenderPrometheus(), "text/plain; version=0.0.4");
  });

  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200,
             {{"name", "sluice"},
              {"version", SLUICE_VERSION},
              {"console", "not included in this build; use the API"},
              {"endpoints", {"/health", "/metrics", "/api/sinks", "/api/http_pull_consumers"}}});
  });
}

}  // namespace sluice::api
