#include "api/http_server.h"

#include <openssl/crypto.h>

#include <thread>

#include "api/json_response.h"
#include "api/listen_address.h"
#include "api/routes.h"
#include "common/log.h"
#include "store/queue_signal.h"

namespace sluice {
namespace {

// Long-polling receivers each hold a worker for up to their wait_for, so the pool is larger
// than the core count would suggest; idle workers only cost a stack.
constexpr size_t kWorkerThreads = 32;
constexpr int kStartupPolls = 5000;  // 1 ms each

// Compares in time independent of where the strings differ, so response timing does not
// leak a token's prefix.
bool SameToken(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool Authorized(const std::vector<std::string>& tokens, const httplib::Request& req) {
  constexpr std::string_view kBearer = "Bearer ";
  std::string header = req.get_header_value("Authorization");
  if (header.compare(0, kBearer.size(), kBearer) != 0) return false;
  std::string_view presented = std::string_view(header).substr(kBearer.size());
  bool match = false;
  for (const std::string& token : tokens) match |= SameToken(presented, token);
  return match;
}

std::string_view ErrorCode(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 503:
      return "unavailable";
    default:
      return status < 500 ? "bad_request" : "internal";
  }
}

}  // namespace

struct ApiServer::Impl {
  api::ApiContext context;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  bool started = false;
};

ApiServer::ApiServer(const Config& config, const EngineView* engine, StateStore* store)
    : impl_(std::make_unique<Impl>()) {
  impl_->context.config = &config;
  impl_->context.engine = engine;
  impl_->context.store = store;
}

ApiServer::~ApiServer() { Stop(); }

Status ApiServer::Start() {
  const ServerConfig& settings = impl_->context.config->server;
  Result<ListenAddress> address = ParseListenAddress(settings.listen);
  if (!address) return Status::Fatal(address.error().message());
  if (settings.api_tokens.empty() && !IsLoopbackHost(address->host)) {
    return Status::Fatal("server.listen \"" + settings.listen +
                         "\" is reachable from other machines but server.api_tokens is empty: "
                         "set api_tokens, or listen on 127.0.0.1");
  }
  for (const SinkConfig& sink : impl_->context.config->sinks) {
    if (!IsHttpPullType(sink.destination_type)) continue;
    Result<HttpPullConfig> pull = HttpPullConfigOf(sink, *impl_->context.config);
    if (!pull) return pull.error();
    impl_->context.pull_queues.emplace(sink.name, *pull);
  }

  httplib::Server& server = impl_->server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  if (!settings.api_tokens.empty()) {
    server.set_pre_routing_handler(
        [&tokens = settings.api_tokens](const httplib::Request& req, httplib::Response& res) {
          if (req.path.rfind("/api/", 0) != 0 || Authorized(tokens, req)) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          res.set_header("WWW-Authenticate", "Bearer");
          api::SendError(res, 401, "unauthorized", "missing or unknown bearer token");
          return httplib::Server::HandlerResponse::Handled;
        });
  }
  // Every error response carries the JSON error shape, also those httplib makes itself
  // (unknown path, a handler that threw).
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string message = res.status == 404
                                  ? "no such endpoint: " + req.method + " " + req.path
                                  : "request failed with HTTP " + std::to_string(res.status);
        api::SendError(res, res.status, ErrorCode(res.status), message);
        return httplib::Server::HandlerResponse::Handled;
      }));
  api::AddHealthRoutes(server, impl_->context);
  api::AddPullRoutes(server, impl_->context);
  api::AddSinkRoutes(server, impl_->context);

  if (address->port == 0) {
    impl_->port = server.bind_to_any_port(address->host);
  } else if (server.bind_to_port(address->host, address->port)) {
    impl_->port = address->port;
  } else {
    impl_->port = -1;
  }
  if (impl_->port < 0) {
    return Status::Fatal("cannot listen on " + settings.listen +
                         " (address in use, or not an address of this machine)");
  }
  impl_->thread = std::thread([&server] { server.listen_after_bind(); });
  // httplib's stop() is a no-op until the accept loop runs, so Stop could otherwise hang.
  for (int i = 0; i < kStartupPolls && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server.is_running()) {
    server.stop();
    impl_->thread.join();
    return Status::Fatal("HTTP API on " + settings.listen + " did not start");
  }
  impl_->started = true;
  SLUICE_LOG_INFO("HTTP API listening on {}:{}", address->host, impl_->port);
  return Status::Ok();
}

int ApiServer::port() const { return impl_->port; }

void ApiServer::Stop() {
  if (!impl_->started) return;
  impl_->started = false;
  impl_->context.stopping = true;
  for (const auto& [name, unused] : impl_->context.pull_queues) NotifyQueue(name);
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace sluice
