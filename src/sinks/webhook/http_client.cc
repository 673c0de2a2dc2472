#include "sinks/webhook/http_client.h"

#include <algorithm>
#include <utility>

#include "common/sigpipe.h"
#include "sinks/webhook/url.h"

namespace sluice {
namespace {

// Enough of an error response to tell what went wrong, not enough to flood a log.
constexpr size_t kSnippetBytes = 200;
// Upper bound on one curl_multi_poll, so a lost wakeup costs at most this.
constexpr int kPollMs = 100;

bool GlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

size_t KeepSnippet(char* data, size_t size, size_t count, void* user) {
  auto* snippet = static_cast<std::string*>(user);
  const size_t bytes = size * count;
  const size_t keep = std::min(bytes, kSnippetBytes - std::min(kSnippetBytes, snippet->size()));
  for (size_t i = 0; i < keep; ++i) {
    const char c = data[i];
    snippet->push_back(c < 0x20 || c == 0x7f ? ' ' : c);
  }
  return bytes;  // read it all: a short count would abort the transfer
}

}  // namespace

struct HttpClient::Transfer {
  EasyPtr easy;
  HttpRequest request;
  size_t tag = 0;
  curl_slist* headers = nullptr;
  std::string snippet;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() { curl_slist_free_all(headers); }
};

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpClientOptions& options) {
  if (!GlobalInit()) return Status::Fatal("libcurl failed to initialize");
  MultiPtr multi(curl_multi_init());
  if (!multi) return Status::Fatal("libcurl: cannot create a multi handle");
  const long connections = static_cast<long>(std::max<size_t>(options.max_connections, 1));
  curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, connections);
  curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  return std::unique_ptr<HttpClient>(new HttpClient(options, std::move(multi)));
}

HttpClient::HttpClient(const HttpClientOptions& options, MultiPtr multi)
    : options_(options), multi_(std::move(multi)) {}

HttpClient::~HttpClient() {
  // Closing TLS connections writes to sockets the peer may have closed.
  ScopedSigpipeBlock no_sigpipe;
  for (auto& [easy, transfer] : active_) curl_multi_remove_handle(multi_.get(), easy);
  active_.clear();
  idle_.clear();
  multi_.reset();
}

void HttpClient::Start(HttpRequest request, size_t tag) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->tag = tag;
  if (!idle_.empty()) {
    transfer->easy = std::move(idle_.back());
    idle_.pop_back();
  } else {
    transfer->easy.reset(curl_easy_init());
  }
  Status status = transfer->easy ? Configure(*transfer)
                                 : Status::Transient("libcurl: cannot create an easy handle");
  if (status.ok() && curl_multi_add_handle(multi_.get(), transfer->easy.get()) != CURLM_OK) {
    status = Status::Transient("libcurl: cannot start a request");
  }
  if (!status.ok()) {
    if (transfer->easy) {
      curl_easy_reset(transfer->easy.get());
      idle_.push_back(std::move(transfer->easy));
    }
    failed_to_start_.push_back(HttpResult{
        tag, status.WithContext(transfer->request.method + " " + RedactUrl(transfer->request.url)),
        0});
    return;
  }
  CURL* easy = transfer->easy.get();
  active_.emplace(easy, std::move(transfer));
}

Status HttpClient::Configure(Transfer& transfer) {
  CURL* easy = transfer.easy.get();
  curl_easy_reset(easy);
  const HttpRequest& request = transfer.request;
  for (const std::string& header : request.headers) {
    transfer.headers = curl_slist_append(transfer.headers, header.c_str());
  }
  // curl would otherwise send "Expect: 100-continue" for larger bodies and wait for a reply
  // that many servers never send.
  transfer.headers = curl_slist_append(transfer.headers, "Expect:");

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(easy, option, value);
  };
  set(CURLOPT_URL, request.url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  if (request.method != "POST") set(CURLOPT_CUSTOMREQUEST, request.method.c_str());
  // Never null: a null POSTFIELDS would make curl read the body from stdin.
  set(CURLOPT_POSTFIELDS, request.body.empty() ? "" : request.body.data());
  set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  set(CURLOPT_HTTPHEADER, transfer.headers);
  set(CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  set(CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: we are multi-threaded
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  const TlsOptions& tls = options_.tls;
  set(CURLOPT_SSL_VERIFYPEER, tls.verify ? 1L : 0L);
  set(CURLOPT_SSL_VERIFYHOST, tls.verify ? 2L : 0L);
  if (!tls.ca_file.empty()) set(CURLOPT_CAINFO, tls.ca_file.c_str());
  if (!tls.cert_file.empty()) set(CURLOPT_SSLCERT, tls.cert_file.c_str());
  if (!tls.key_file.empty()) set(CURLOPT_SSLKEY, tls.key_file.c_str());
  set(CURLOPT_WRITEFUNCTION, KeepSnippet);
  set(CURLOPT_WRITEDATA, &transfer.snippet);
  set(CURLOPT_ERRORBUFFER, transfer.error);
  set(CURLOPT_PRIVATE, &transfer);
  if (rc != CURLE_OK) {
    return Status::Fatal(std::string("libcurl cannot set up the request: ") +
                         curl_easy_strerror(rc));
  }
  return Status::Ok();
}

std::vector<HttpResult> HttpClient::WaitAny() {
  std::vector<HttpResult> results = std::move(failed_to_start_);
  failed_to_start_.clear();
  // Writing to a connection the server closed must not kill the process (OpenSSL writes
  // without MSG_NOSIGNAL, and CURLOPT_NOSIGNAL leaves SIGPIPE to us).
  ScopedSigpipeBlock no_sigpipe;
  while (results.empty() && !active_.empty()) {
    int running = 0;
    const CURLMcode mc = curl_multi_perform(multi_.get(), &running);
    if (mc != CURLM_OK) {
      // Only memory exhaustion or a libcurl bug gets here: fail what is in flight.
      while (!active_.empty()) {
        HttpResult result = Finish(active_.begin()->first, CURLE_OUT_OF_MEMORY);
        result.status = Status::Transient(std::string("libcurl: ") + curl_multi_strerror(mc));
        results.push_back(std::move(result));
      }
      break;
    }
    Collect(&results);
    if (results.empty()) curl_multi_poll(multi_.get(), nullptr, 0, kPollMs, nullptr);
  }
  return results;
}

void HttpClient::Collect(std::vector<HttpResult>* results) {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
    if (message->msg == CURLMSG_DONE) {
      results->push_back(Finish(message->easy_handle, message->data.result));
    }
  }
}

HttpResult HttpClient::Finish(CURL* easy, CURLcode code) {
  auto it = active_.find(easy);
  SLUICE_CHECK(it != active_.end(), "libcurl finished a transfer we did not start");
  std::unique_ptr<Transfer> transfer = std::move(it->second);
  active_.erase(it);
  curl_multi_remove_handle(multi_.get(), easy);

  HttpResult result;
  result.tag = transfer->tag;
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += connects;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.http_code);

  const std::string what = transfer->request.method + " " + RedactUrl(transfer->request.url);
  if (code == CURLE_OK && result.http_code >= 200 && result.http_code < 300) {
    result.status = Status::Ok();
  } else if (code == CURLE_OK) {
    std::string message = what + ": HTTP " + std::to_string(result.http_code);
    if (!transfer->snippet.empty()) message += ": " + transfer->snippet;
    result.status = Status::Transient(std::move(message));
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    result.status = Status::Transient(what + ": no response within " +
                                      std::to_string(options_.timeout.count()) + " ms");
  } else {
    std::string message =
        what + ": " + (transfer->error[0] != '\0' ? transfer->error : curl_easy_strerror(code));
    // A URL curl cannot use will not work on retry either.
    const bool unusable = code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL;
    result.status =
        unusable ? Status::Fatal(std::move(message)) : Status::Transient(std::move(message));
  }
  // Drop the options pointing into `transfer` before it goes away.
  curl_easy_reset(easy);
  idle_.push_back(std::move(transfer->easy));
  return result;
}

}  // namespace sluice
