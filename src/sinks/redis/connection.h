#pragma once
// RedisConnection: one blocking connection to a Redis server, plain TCP or TLS (OpenSSL),
// with a deadline on every read and write. Debian's hiredis 0.14 has no TLS, so the socket
// I/O is ours and hiredis only parses replies (redisReader).
//
// Not thread-safe: one thread (the sink's runner) uses a connection. Any I/O error leaves the
// connection unusable; the owner drops it and connects again.
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sinks/tls_options.h"

struct redisReader;
struct redisReply;

namespace sluice::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

struct ConnectOptions {
  std::string host;
  int port = 6379;
  TlsOptions tls;
  std::chrono::milliseconds timeout{5000};
};

class RedisConnection {
 public:
  // Transient when the server cannot be reached; Fatal when TLS cannot be set up or the
  // server's certificate fails verification (a configuration problem, not an outage).
  static Result<std::unique_ptr<RedisConnection>> Connect(const ConnectOptions& options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Writes all of `data` before `timeout` (from the options) passes.
  Status Write(std::string_view data);
  // Reads the next reply (an error reply is a reply, not a failed Status).
  Result<ReplyPtr> ReadReply();

 private:
  RedisConnection(int fd, std::chrono::milliseconds timeout);
  Status StartTls(const ConnectOptions& options);
  // Waits until the socket is readable (`for_write` false) or writable, or the deadline.
  Status Wait(bool for_write, std::chrono::steady_clock::time_point deadline);
  Status Fill(std::chrono::steady_clock::time_point deadline);  // reads more into reader_

  int fd_;
  std::chrono::milliseconds timeout_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  redisReader* reader_;
};

}  // namespace sluice::redis
