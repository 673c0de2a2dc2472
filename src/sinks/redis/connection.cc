#include "sinks/redis/connection.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sluice::redis {
namespace {

using Clock = std::chrono::steady_clock;

std::string Where(const ConnectOptions& options) {
  return (options.tls.enabled ? "rediss://" : "redis://") + options.host + ":" +
         std::to_string(options.port);
}

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// Non-blocking connect to one address, bounded by `deadline`.
int ConnectOne(const addrinfo* ai, Clock::time_point deadline, std::string* error) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) {
    *error = std::strerror(errno);
    return -1;
  }
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
    *error = std::strerror(errno);
    close(fd);
    return -1;
  }
  pollfd pfd{fd, POLLOUT, 0};
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  int ready = poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
  int so_error = 0;
  socklen_t len = sizeof so_error;
  if (ready <= 0) {
    *error = ready == 0 ? "connect timed out" : std::strerror(errno);
  } else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
    *error = std::strerror(so_error != 0 ? so_error : errno);
  } else {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }
  close(fd);
  return -1;
}

}  // namespace

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

RedisConnection::RedisConnection(int fd, std::chrono::milliseconds timeout)
    : fd_(fd), timeout_(timeout), reader_(redisReaderCreate()) {}

RedisConnection::~RedisConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);  // no close_notify: the peer copes, and it could block
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  redisReaderFree(reader_);
  close(fd_);
}

Result<std::unique_ptr<RedisConnection>> RedisConnection::Connect(const ConnectOptions& options) {
  auto deadline = Clock::now() + options.timeout;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  std::string port = std::to_string(options.port);
  if (int rc = getaddrinfo(options.host.c_str(), port.c_str(), &hints, &addresses); rc != 0) {
    return Status::Transient(Where(options) + ": cannot resolve host: " + gai_strerror(rc));
  }
  std::string error;
  int fd = -1;
  for (const addrinfo* ai = addresses; ai != nullptr && fd < 0; ai = ai->ai_next) {
    fd = ConnectOne(ai, deadline, &error);
  }
  freeaddrinfo(addresses);
  if (fd < 0) return Status::Transient(Where(options) + ": cannot connect: " + error);
  std::unique_ptr<RedisConnection> connection(new RedisConnection(fd, options.timeout));
  if (options.tls.enabled) SLUICE_RETURN_IF_ERROR(connection->StartTls(options));
  return connection;
}

Status RedisConnection::StartTls(const ConnectOptions& options) {
  const TlsOptions& tls = options.tls;
  std::string where = Where(options);
  ctx_ = SSL_CTX_new(TLS_client_method());
  if (ctx_ == nullptr) return Status::Fatal(where + ": " + OpenSslError());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  if (tls.verify) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    int loaded = tls.ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx_)
                     : SSL_CTX_load_verify_locations(ctx_, tls.ca_file.c_str(), nullptr);
    if (loaded != 1) {
      return Status::Fatal(where + ": cannot load CA certificates" +
                           (tls.ca_file.empty() ? "" : " from \"" + tls.ca_file + "\"") + ": " +
                           OpenSslError());
    }
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, tls.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return Status::Fatal(where + ": cannot load client certificate \"" + tls.cert_file +
                           "\": " + OpenSslError());
    }
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  const std::string& name = tls.server_name.empty() ? options.host : tls.server_name;
  SSL_set_tlsext_host_name(ssl_, name.c_str());
  if (tls.verify) {
    // An IP address must match a SAN IP entry, a name a DNS entry.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
      ERR_clear_error();
      SSL_set1_host(ssl_, name.c_str());
    }
  }
  auto deadline = Clock::now() + timeout_;
  while (true) {
    int rc = SSL_connect(ssl_);
    if (rc == 1) return Status::Ok();
    int err = SSL_get_error(ssl_, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      SLUICE_RETURN_IF_ERROR(Wait(err == SSL_ERROR_WANT_WRITE, deadline));
      continue;
    }
    long verify = SSL_get_verify_result(ssl_);
    if (verify != X509_V_OK) {
      return Status::Fatal(
          where + ": server certificate rejected: " + X509_verify_cert_error_string(verify));
    }
    return Status::Transient(where + ": TLS handshake failed: " + OpenSslError());
  }
}

Status RedisConnection::Wait(bool for_write, Clock::time_point deadline) {
  pollfd pfd{fd_, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Status::Transient("redis: timed out");
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready > 0) return Status::Ok();
    if (ready < 0 && errno != EINTR) {
      return Status::Transient(std::string("redis: poll: ") + std::strerror(errno));
    }
  }
}

Status RedisConnection::Write(std::string_view data) {
  auto deadline = Clock::now() + timeout_;
  while (!data.empty()) {
    ssize_t n;
    bool want_write = true;
    if (ssl_ != nullptr) {
      n = SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
      if (n <= 0) {
        int err = SSL_get_error(ssl_, static_cast<int>(n));
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          return Status::Transient("redis: TLS write failed: " + OpenSslError());
        }
        want_write = err == SSL_ERROR_WANT_WRITE;
      }
    } else {
      n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return Status::Transient(std::string("redis: write failed: ") + std::strerror(errno));
      }
    }
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    SLUICE_RETURN_IF_ERROR(Wait(want_write, deadline));
  }
  return Status::Ok();
}

Status RedisConnection::Fill(Clock::time_point deadline) {
  char buf[16384];
  while (true) {
    ssize_t n;
    bool want_write = false;
    if (ssl_ != nullptr) {
      n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) {
        int err = SSL_get_error(ssl_, static_cast<int>(n));
        if (err == SSL_ERROR_ZERO_RETURN)
          return Status::Transient("redis: server closed the connection");
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          return Status::Transient("redis: TLS read failed: " + OpenSslError());
        }
        want_write = err == SSL_ERROR_WANT_WRITE;
      }
    } else {
      n = recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return Status::Transient("redis: server closed the connection");
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        return Status::Transient(std::string("redis: read failed: ") + std::strerror(errno));
      }
    }
    if (n > 0) {
      if (redisReaderFeed(reader_, buf, static_cast<size_t>(n)) != REDIS_OK) {
        return Status::Transient(std::string("redis: bad reply: ") + reader_->errstr);
      }
      return Status::Ok();
    }
    SLUICE_RETURN_IF_ERROR(Wait(want_write, deadline));
  }
}

Result<ReplyPtr> RedisConnection::ReadReply() {
  auto deadline = Clock::now() + timeout_;
  while (true) {
    void* reply = nullptr;
    if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
      return Status::Transient(std::string("redis: bad reply: ") + reader_->errstr);
    }
    if (reply != nullptr) return ReplyPtr(static_cast<redisReply*>(reply));
    SLUICE_RETURN_IF_ERROR(Fill(deadline));
  }
}

}  // namespace sluice::redis
