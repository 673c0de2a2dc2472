#include "sinks/webhook/webhook_sink.h"

#include <strings.h>

#include <chrono>
#include <utility>

#include "common/log.h"
#include "sinks/webhook/group_scheduler.h"
#include "sinks/webhook/signature.h"

namespace sluice {
namespace {

constexpr char kRequestsMetric[] = "sluice_webhook_requests_total";
constexpr char kConnectionsMetric[] = "sluice_webhook_connections_opened_total";

Counter* RequestCounter(const std::string& sink, const char* result) {
  Metrics::Global().Describe(kRequestsMetric, "Webhook HTTP requests by result (ok or error).");
  return Metrics::Global().GetCounter(kRequestsMetric, {{"sink", sink}, {"result", result}});
}

Counter* ConnectionCounter(const std::string& sink) {
  Metrics::Global().Describe(kConnectionsMetric,
                             "New connections the webhook sink opened (not reused ones).");
  return Metrics::Global().GetCounter(kConnectionsMetric, {{"sink", sink}});
}

bool HasHeader(const std::vector<std::string>& headers, std::string_view name) {
  for (const std::string& header : headers) {
    if (header.size() > name.size() && header[name.size()] == ':' &&
        strncasecmp(header.data(), name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

WebhookSink::WebhookSink(std::string name, WebhookConfig config)
    : name_(std::move(name)),
      config_(std::move(config)),
      requests_ok_(RequestCounter(name_, "ok")),
      requests_failed_(RequestCounter(name_, "error")),
      connections_opened_(ConnectionCounter(name_)) {}

Status WebhookSink::Start() {
  // No probe request: an endpoint need not accept anything but real deliveries.
  if (client_) return Status::Ok();
  HttpClientOptions options;
  options.timeout = config_.timeout;
  options.tls = config_.tls;
  options.max_connections = config_.batch ? 1 : kMaxParallelRequests;
  Result<std::unique_ptr<HttpClient>> client = HttpClient::Create(options);
  if (!client) return client.error().WithContext("webhook sink \"" + name_ + "\"");
  client_ = std::move(*client);
  connections_reported_ = 0;  // a new client counts from zero
  return Status::Ok();
}

void WebhookSink::Send(const Batch& batch, DeliveryCallback done) {
  std::vector<Status> outcomes;
  if (!client_) {
    outcomes = SameOutcome(batch.size(), Status::Fatal("webhook sink \"" + name_ +
                                                       "\": Send before Start or after Stop"));
  } else if (!batch.empty()) {
    outcomes = config_.batch ? SendBatched(batch) : SendEach(batch);
    const int64_t opened = client_->connections_opened();
    connections_opened_->Add(opened - connections_reported_);
    connections_reported_ = opened;
  }
  Report(outcomes);
  done(std::move(outcomes));
}

std::vector<Status> WebhookSink::SendBatched(const Batch& batch) {
  batch_body_.assign(R"({"data":[)");
  for (size_t i = 0; i < batch.size(); ++i) {
    if (i > 0) batch_body_.push_back(',');
    batch_body_.append(batch[i].body);
  }
  batch_body_.append("]}");

  Result<std::string> webhook_id =
      config_.signing_key.empty() ? Result<std::string>("") : BatchWebhookId(batch);
  Result<HttpRequest> request =
      webhook_id ? MakeRequest(*webhook_id, batch_body_) : webhook_id.error();
  if (!request) return SameOutcome(batch.size(), request.error());
  client_->Start(std::move(*request), 0);
  std::vector<HttpResult> results = client_->WaitAny();
  SLUICE_CHECK(results.size() == 1, "one request started, one result expected");
  CountRequest(results[0].status);
  return SameOutcome(batch.size(), results[0].status);
}

std::vector<Status> WebhookSink::SendEach(const Batch& batch) {
  std::vector<Status> outcomes(batch.size());
  GroupScheduler scheduler(batch);
  size_t settled = 0;
  auto settle = [&](size_t index, Status status) {
    for (size_t blocked : scheduler.Finish(index, status.ok())) {
      outcomes[blocked] = Status::Transient("blocked behind failed message " +
                                            batch[index].idempotency_key + " of the same group");
      ++settled;
    }
    outcomes[index] = std::move(status);
    ++settled;
  };
  while (settled < batch.size()) {
    while (client_->in_flight() < kMaxParallelRequests) {
      std::optional<size_t> index = scheduler.TakeReady();
      if (!index) break;
      const Message& message = batch[*index];
      Result<HttpRequest> request = MakeRequest(message.idempotency_key, message.body);
      if (request) {
        client_->Start(std::move(*request), *index);
      } else {
        settle(*index, request.error());
      }
    }
    std::vector<HttpResult> results = client_->WaitAny();
    // Nothing in flight and nothing ready means every message has settled.
    SLUICE_CHECK(!results.empty() || settled == batch.size(), "webhook batch stalled");
    for (HttpResult& result : results) {
      CountRequest(result.status);
      settle(result.tag, std::move(result.status));
    }
  }
  return outcomes;
}

Result<HttpRequest> WebhookSink::MakeRequest(std::string_view webhook_id,
                                             std::string_view body) const {
  HttpRequest request;
  request.url = config_.url;
  request.body = body;
  request.headers = config_.headers;
  if (!HasHeader(request.headers, "Content-Type")) {
    request.headers.emplace_back("Content-Type: application/json");
  }
  if (!config_.signing_key.empty()) {
    const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    Result<std::string> signature =
        StandardWebhookSignature(config_.signing_key, webhook_id, now, body);
    if (!signature) return signature.error();
    request.headers.push_back("webhook-id: " + std::string(webhook_id));
    request.headers.push_back("webhook-timestamp: " + std::to_string(now));
    request.headers.push_back("webhook-signature: " + *signature);
  }
  return request;
}

void WebhookSink::CountRequest(const Status& status) {
  (status.ok() ? requests_ok_ : requests_failed_)->Add();
}

void WebhookSink::Report(const std::vector<Status>& outcomes) {
  size_t failed = 0;
  const Status* first = nullptr;
  for (const Status& status : outcomes) {
    if (status.ok()) continue;
    ++failed;
    if (first == nullptr) first = &status;
  }
  // One line per batch, not per message: a down endpoint would otherwise flood the log.
  if (first != nullptr) {
    SLUICE_LOG_WARN("webhook sink \"{}\": {} of {} messages not delivered; first: {}", name_,
                    failed, outcomes.size(), first->message());
  }
}

Status WebhookSink::Flush(std::chrono::milliseconds timeout) { return Status::Ok(); }

void WebhookSink::Stop() { client_.reset(); }

Result<std::unique_ptr<Sink>> MakeWebhookSink(const SinkConfig& sink, const SinkContext& context) {
  if (!sink.destination || context.config == nullptr) {
    return Status::Fatal("sink \"" + sink.name + "\": webhook sink built without its config");
  }
  ConfigNode destination = *sink.destination;
  Result<WebhookConfig> config = ParseWebhookConfig(destination, *context.config);
  if (!config) return config.error().WithContext("sink \"" + sink.name + "\"");
  return std::unique_ptr<Sink>(std::make_unique<WebhookSink>(sink.name, std::move(*config)));
}

}  // namespace sluice
