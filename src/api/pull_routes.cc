// HTTP pull consumers (http-api.md "HTTP pull"): receive with long polling, ack, nack.
// Paths: /api/http_pull_consumers/{name}/... and the Sequin alias /api/sequin_streams/{name}/...
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "api/json_response.h"
#include "api/routes.h"
#include "common/json_writer.h"
#include "store/queue_signal.h"

namespace sluice::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr int64_t kMaxBatchSize = 1000;
constexpr int64_t kMaxWaitForMs = 300000;
constexpr size_t kMaxAckIds = 10000;
// A waiting receive looks at the queue again at least this often even without a signal,
// because a message whose visibility timeout expires sends none.
constexpr milliseconds kRepollInterval{1000};

const char* const kPrefix = R"(/api/(?:http_pull_consumers|sequin_streams)/([^/]+)/)";

int64_t NowMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The queue named in the path, or nullptr after answering 404.
const HttpPullConfig* FindQueue(const ApiContext& context, const httplib::Request& req,
                                httplib::Response& res, std::string* name) {
  *name = req.matches[1].str();
  auto it = context.pull_queues.find(*name);
  if (it != context.pull_queues.end()) return &it->second;
  SendError(res, 404, "not_found", "http_pull sink \"" + *name + "\" does not exist");
  return nullptr;
}

// Reads an optional integer field within [min, max]; answers 400 and returns false otherwise.
bool ReadInt(const nlohmann::json& body, const char* key, int64_t default_value, int64_t min,
             int64_t max, int64_t* out, httplib::Response& res) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    *out = default_value;
    return true;
  }
  if (it->is_number_integer() && it->get<int64_t>() >= min && it->get<int64_t>() <= max) {
    *out = it->get<int64_t>();
    return true;
  }
  SendError(res, 400, "bad_request",
            std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
                std::to_string(max));
  return false;
}

// The body's "ack_ids" as strings; answers 400 and returns false when malformed.
bool ReadAckIds(const httplib::Request& req, httplib::Response& res,
                std::vector<std::string>* ack_ids) {
  Result<nlohmann::json> body = ParseObject(req.body);
  if (!body) {
    SendError(res, 400, "bad_request", body.error().message());
    return false;
  }
  auto it = body->find("ack_ids");
  bool valid = it != body->end() && it->is_array() && it->size() <= kMaxAckIds &&
               std::all_of(it->begin(), it->end(), [](const auto& v) { return v.is_string(); });
  if (!valid) {
    SendError(res, 400, "bad_request",
              "ack_ids must be a list of at most " + std::to_string(kMaxAckIds) + " strings");
    return false;
  }
  for (const auto& id : *it) ack_ids->push_back(id.get<std::string>());
  return true;
}

// The message bodies are JSON already; splice them in rather than parse and re-serialise.
std::string ReceiveResponse(const std::vector<ReceivedMessage>& messages) {
  std::string out = R"({"data":[)";
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += ',';
    out += R"({"ack_id":)";
    AppendJsonString(messages[i].ack_id, &out);
    out += R"(,"data":)";
    out += messages[i].body;
    out += '}';
  }
  out += "]}";
  return out;
}

// Receives at most `batch_size` messages, fewer when max_ack_pending leaves less room. The
// limit is soft: concurrent receivers may overshoot it by up to a batch each.
Result<std::vector<ReceivedMessage>> ReceiveWithinLimit(const ApiContext& context,
                                                        const std::string& name,
                                                        const HttpPullConfig& queue,
                                                        int64_t batch_size) {
  int64_t now_ms = NowMs();
  Result<int64_t> in_flight = context.store->QueueInFlight(name, now_ms);
  if (!in_flight) return in_flight.error();
  int64_t room = std::min<int64_t>(batch_size, queue.max_ack_pending - *in_flight);
  if (room <= 0) return std::vector<ReceivedMessage>{};
  return context.store->Receive(name, static_cast<size_t>(room), queue.visibility_timeout.count(),
                                now_ms);
}

void HandleReceive(ApiContext& context, const httplib::Request& req, httplib::Response& res) {
  std::string name;
  const HttpPullConfig* queue = FindQueue(context, req, res, &name);
  if (queue == nullptr) return;
  Result<nlohmann::json> body = ParseObject(req.body);
  if (!body) return SendError(res, 400, "bad_request", body.error().message());
  int64_t batch_size = 0;
  int64_t wait_for_ms = 0;
  if (!ReadInt(*body, "batch_size", 1, 1, kMaxBatchSize, &batch_size, res)) return;
  if (!ReadInt(*body, "wait_for", 0, 0, kMaxWaitForMs, &wait_for_ms, res)) return;

  const auto deadline = steady_clock::now() + milliseconds(wait_for_ms);
  while (true) {
    // Read the generation first: an enqueue after it wakes the wait below even if it lands
    // between the Receive and the wait.
    uint64_t generation = QueueGeneration(name);
    Result<std::vector<ReceivedMessage>> got =
        ReceiveWithinLimit(context, name, *queue, batch_size);
    if (!got) {
      return SendError(res, 503, "store_unavailable", "state store: " + got.error().message());
    }
    auto now = steady_clock::now();
    if (!got->empty() || now >= deadline || context.stopping.load()) {
      res.set_content(ReceiveResponse(*got), "application/json");
      return;
    }
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - now);
    WaitForQueue(name, generation, std::min(remaining, kRepollInterval));
  }
}

// Ack and nack share everything but the store call.
void HandleSettle(ApiContext& context, const httplib::Request& req, httplib::Response& res,
                  Status (StateStore::*settle)(std::string_view, std::span<const std::string>)) {
  std::string name;
  if (FindQueue(context, req, res, &name) == nullptr) return;
  std::vector<std::string> ack_ids;
  if (!ReadAckIds(req, res, &ack_ids)) return;
  if (Status status = (context.store->*settle)(name, ack_ids); !status.ok()) {
    return SendError(res, 503, "store_unavailable", "state store: " + status.message());
  }
  // An ack frees the next message of its group, a nack makes one visible again.
  NotifyQueue(name);
  SendJson(res, 200, {{"success", true}});
}

}  // namespace

void AddPullRoutes(httplib::Server& server, ApiContext& context) {
  std::string prefix = kPrefix;
  server.Post(prefix + "receive", [&context](const httplib::Request& req, httplib::Response& res) {
    HandleReceive(context, req, res);
  });
  server.Post(prefix + "ack", [&context](const httplib::Request& req, httplib::Response& res) {
    HandleSettle(context, req, res, &StateStore::Ack);
  });
  server.Post(prefix + "nack", [&context](const httplib::Request& req, httplib::Response& res) {
    HandleSettle(context, req, res, &StateStore::Nack);
  });
}

}  // namespace sluice::api
