#pragma once
// HttpClient: concurrent HTTP requests over one libcurl multi handle.
//
// Connections are kept alive and reused across requests and batches (the multi handle owns
// the connection cache; easy handles are pooled). Not thread-safe: one thread (the webhook
// sink's runner) calls every method. Request bodies are not copied: each must stay alive
// until its result has come back from WaitAny().
//
// Outcomes: a 2xx response is OK. Any other status, a timeout or a network/TLS error is
// transient, with a message naming the method, the URL without credentials or query, and the
// status code (plus the start of the response body) or the network error. A URL curl cannot
// use at all is fatal. Request headers never appear in messages.
#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "sinks/tls_options.h"

namespace sluice {

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::string> headers;  // "Name: value" lines; may hold secrets
  std::string_view body;             // not copied: must outlive the request
};

struct HttpResult {
  size_t tag = 0;  // as given to Start
  Status status;
  long http_code = 0;  // 0 when no response arrived
};

struct HttpClientOptions {
  std::chrono::milliseconds timeout{30000};  // per request, from start to last byte
  TlsOptions tls;              // for https URLs; `enabled` and `server_name` are not used here
  size_t max_connections = 1;  // connections kept open for reuse
};

class HttpClient {
 public:
  static Result<std::unique_ptr<HttpClient>> Create(const HttpClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts `request`; its result comes back from WaitAny() carrying `tag`.
  void Start(HttpRequest request, size_t tag);
  // Blocks until at least one started request has finished and returns every finished one.
  // Returns at once, empty, when nothing is in flight. Bounded by the request timeout.
  std::vector<HttpResult> WaitAny();
  size_t in_flight() const { return active_.size(); }
  // New connections opened so far (not reused ones): shows whether keep-alive works.
  int64_t connections_opened() const { return connections_opened_; }

 private:
  struct Transfer;
  // CURL and CURLM are both void, so each needs its own deleter type.
  struct MultiDeleter {
    void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
  };
  struct EasyDeleter {
    void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
  };
  using MultiPtr = std::unique_ptr<CURLM, MultiDeleter>;
  using EasyPtr = std::unique_ptr<CURL, EasyDeleter>;

  HttpClient(const HttpClientOptions& options, MultiPtr multi);
  Status Configure(Transfer& transfer);
  void Collect(std::vector<HttpResult>* results);
  HttpResult Finish(CURL* easy, CURLcode code);

  const HttpClientOptions options_;
  MultiPtr multi_;
  std::vector<EasyPtr> idle_;                                    // easy handles to reuse
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> active_;  // in flight, by handle
  std::vector<HttpResult> failed_to_start_;                      // reported by the next WaitAny
  int64_t connections_opened_ = 0;
};

}  // namespace sluice
