// Sink management reads: GET /api/sinks, /api/sinks/{name}, /api/sinks/{name}/messages.
#include <charconv>
#include <optional>
#include <string>

#include "api/json_response.h"
#include "api/routes.h"

namespace sluice::api {
namespace {

constexpr size_t kDefaultMessageLimit = 100;
constexpr size_t kMaxMessageLimit = 1000;

nlohmann::json SinkJson(const SinkStatus& sink) {
  return {
      {"name", sink.name},
      {"type", sink.type},
      {"database", sink.database},
      {"status", sink.status},
      {"last_error", sink.last_error.empty() ? nlohmann::json() : nlohmann::json(sink.last_error)},
      {"throughput_per_sec", sink.throughput_per_sec},
      {"lag_bytes", sink.lag_bytes},
      {"backlog", sink.backlog},
      {"messages_delivered", sink.messages_delivered},
      {"messages_failed", sink.messages_failed},
      {"messages_dead_lettered", sink.messages_dead_lettered}};
}

nlohmann::json ParkedJson(const ParkedMessage& m) {
  // The body is the message JSON; a transform may have produced something else, which is
  // then shown as a string rather than hidden.
  nlohmann::json data = nlohmann::json::parse(m.body, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded()) data = m.body;
  return {{"id", m.id},
          {"state", m.state},
          {"attempts", m.attempts},
          {"last_error", m.last_error},
          {"next_attempt_at_ms", m.next_attempt_at_ms},
          {"commit_lsn", m.position.commit_lsn},
          {"commit_idx", m.position.commit_idx},
          {"group_key", m.group_key},
          {"idempotency_key", m.idempotency_key},
          {"action", m.action},
          {"table_schema", m.schema_name},
          {"table_name", m.table_name},
          {"record_pks", m.record_pks},
          {"data", std::move(data)}};
}

std::optional<SinkStatus> FindSink(const ApiContext& context, const std::string& name) {
  for (SinkStatus& sink : context.engine->Sinks()) {
    if (sink.name == name) return std::move(sink);
  }
  return std::nullopt;
}

void HandleListMessages(const ApiContext& context, const httplib::Request& req,
                        httplib::Response& res) {
  std::string name = req.matches[1].str();
  if (!FindSink(context, name)) {
    return SendError(res, 404, "not_found", "sink \"" + name + "\" does not exist");
  }
  std::string state = req.get_param_value("state");
  if (!state.empty() && state != "failing" && state != "dead_letter") {
    return SendError(res, 400, "bad_request", "state must be failing or dead_letter");
  }
  size_t limit = kDefaultMessageLimit;
  if (req.has_param("limit")) {
    std::string text = req.get_param_value("limit");
    size_t parsed = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec != std::errc() || end != text.data() + text.size() || parsed < 1 ||
        parsed > kMaxMessageLimit) {
      return SendError(res, 400, "bad_request",
                       "limit must be an integer from 1 to " + std::to_string(kMaxMessageLimit));
    }
    limit = parsed;
  }
  Result<std::vector<ParkedMessage>> parked = context.store->ListParked(name, state, limit);
  if (!parked) {
    return SendError(res, 503, "store_unavailable", "state store: " + parked.error().message());
  }
  nlohmann::json data = nlohmann::json::array();
  for (const ParkedMessage& m : *parked) data.push_back(ParkedJson(m));
  SendJson(res, 200, {{"data", std::move(data)}});
}

}  // namespace

void AddSinkRoutes(httplib::Server& server, ApiContext& context) {
  server.Get("/api/sinks", [&context](const httplib::Request&, httplib::Response& res) {
    nlohmann::json data = nlohmann::json::array();
    for (const SinkStatus& sink : context.engine->Sinks()) data.push_back(SinkJson(sink));
    SendJson(res, 200, {{"data", std::move(data)}});
  });

  server.Get(R"(/api/sinks/([^/]+))",
             [&context](const httplib::Request& req, httplib::Response& res) {
               std::string name = req.matches[1].str();
               std::optional<SinkStatus> sink = FindSink(context, name);
               if (!sink)
                 return SendError(res, 404, "not_found", "sink \"" + name + "\" does not exist");
               SendJson(res, 200, SinkJson(*sink));
             });

  server.Get(R"(/api/sinks/([^/]+)/messages)",
             [&context](const httplib::Request& req, httplib::Response& res) {
               HandleListMessages(context, req, res);
             });
}

}  // namespace sluice::api
