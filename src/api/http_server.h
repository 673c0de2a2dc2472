#pragma once
// ApiServer: the one HTTP listener of shared/spec/http-api.md (server.listen): /health,
// /metrics, the HTTP pull consumer endpoints and the sink management API.
//
// Threads: Start, port and Stop are called from one controlling thread (cli's RunDaemon).
// Requests are served on the server's own worker pool; handlers call EngineView and StateStore
// from those threads (both are thread-safe). A long-polling receive holds a worker until
// messages arrive, its wait_for passes, or Stop.
//
// Security: when server.api_tokens is non-empty, every /api/ request needs
// `Authorization: Bearer <token>`. Start refuses to listen on a non-loopback address without
// tokens.
#include <memory>

#include "common/status.h"
#include "config/config.h"
#include "pipeline/engine_view.h"
#include "store/state_store.h"

namespace sluice {

class ApiServer {
 public:
  // `config`, `engine` and `store` must outlive the server; none may be null.
  ApiServer(const Config& config, const EngineView* engine, StateStore* store);
  ~ApiServer();  // stops the server if it is running
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds server.listen ("host:port"; port 0 picks a free port) and serves on background
  // threads. Fatal on an unusable address, a non-loopback address without api_tokens, or a
  // port that cannot be bound.
  Status Start();
  // The bound port (after a successful Start).
  int port() const;
  // Wakes long-polling receivers, stops accepting, and joins the server threads. Idempotent.
  void Stop();

 private:
  struct Impl;  // keeps httplib and nlohmann/json out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
