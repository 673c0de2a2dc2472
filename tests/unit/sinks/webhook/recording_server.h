#pragma once
// RecordingServer: a real HTTP server (cpp-httplib) on 127.0.0.1 and an ephemeral port, on its
// own thread, that records every request and answers with a status the test chooses.
#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sluice {

struct RecordedRequest {
  std::string path;
  std::string body;
  httplib::Headers headers;
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);  // httplib compares header names case-insensitively
    return it == headers.end() ? "" : it->second;
  }
};

class RecordingServer {
 public:
  // Decides the status code for a request; runs on a server thread.
  using Responder = std::function<int(const httplib::Request&)>;

  // Plain HTTP by default; pass an httplib::SSLServer for HTTPS.
  explicit RecordingServer(std::unique_ptr<httplib::Server> server = nullptr,
                           std::string scheme = "http")
      : server_(server ? std::move(server) : std::make_unique<httplib::Server>()),
        scheme_(std::move(scheme)) {
    server_->Post(".*", [this](const httplib::Request& request, httplib::Response& response) {
      Responder responder;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back({request.path, request.body, request.headers});
        responder = responder_;
      }
      response.status = responder ? responder(request) : 200;
      response.set_content("{\"ok\":true}", "application/json");
    });
    // Without it, Nagle holds the response body behind the headers until a delayed ACK
    // (~40 ms per request on a reused connection).
    server_->set_tcp_nodelay(true);
    port_ = server_->bind_to_any_port("127.0.0.1");
    // bind_to_any_port already listens, so clients can connect before the thread accepts.
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // stop() is a no-op until the accept loop runs, so the destructor could otherwise join a
    // server that never stops.
    for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~RecordingServer() {
    ReleaseHeld();
    server_->stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string url() const { return scheme_ + "://127.0.0.1:" + std::to_string(port_); }
  void set_responder(Responder responder) {
    std::lock_guard<std::mutex> lock(mutex_);
    responder_ = std::move(responder);
  }
  std::vector<RecordedRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

  // For responders: blocks until ReleaseHeld() or `limit` passes, so a "slow server" never
  // outlives its test.
  void Hold(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    held_cv_.wait_for(lock, limit, [this] { return released_; });
  }
  void ReleaseHeld() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      released_ = true;
    }
    held_cv_.notify_all();
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  std::string scheme_;
  int port_ = -1;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::condition_variable held_cv_;
  bool released_ = false;
  Responder responder_;
  std::vector<RecordedRequest> requests_;
};

}  // namespace sluice
