#include "source/postgres/replication_stream.h"

#include <sys/select.h>

#include <chrono>
#include <cstring>

#include "source/postgres/pg_conn.h"

namespace sluice::pg {
namespace {

// Microseconds between the Unix epoch and Postgres's epoch (2000-01-01).
constexpr int64_t kPgEpochOffsetUs = 946684800LL * 1000000;

uint64_t ReadU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void WriteU64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

int64_t NowPgMicros() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::microseconds>(now).count() - kPgEpochOffsetUs;
}

std::string ConnError(PGconn* conn) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  return message.empty() ? "connection lost" : message;
}

}  // namespace

ReplicationStream::~ReplicationStream() {
  ReleaseBuffer();
  PQfinish(conn_);
}

void ReplicationStream::ReleaseBuffer() {
  if (buffer_ != nullptr) {
    PQfreemem(buffer_);
    buffer_ = nullptr;
  }
}

Result<std::unique_ptr<ReplicationStream>> ReplicationStream::Open(const std::string& conninfo,
                                                                   const std::string& slot,
                                                                   const std::string& publication,
                                                                   Lsn start_lsn) {
  auto conn = Connect(conninfo, "replication connection");
  if (!conn) return conn.error();
  std::unique_ptr<ReplicationStream> stream(new ReplicationStream(conn->release()));
  // publication_names is a string literal holding a comma-separated list of identifiers.
  std::string pub_literal = QuoteIdent(publication);
  std::string escaped;
  for (char c : pub_literal) {
    if (c == '\'') escaped += '\'';
    escaped += c;
  }
  std::string command = "START_REPLICATION SLOT " + QuoteIdent(slot) + " LOGICAL " +
                        FormatLsn(start_lsn) + " (proto_version '2', publication_names '" +
                        escaped + "', streaming 'on', messages 'true')";
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(stream->conn_, command.c_str()),
                                                       &PQclear);
  if (!result || PQresultStatus(result.get()) != PGRES_COPY_BOTH) {
    std::string message = ConnError(stream->conn_);
    if (PQstatus(stream->conn_) != CONNECTION_OK) return Status::Transient(message);
    return Status::Fatal("START_REPLICATION failed: " + message);
  }
  return stream;
}

Result<StreamEvent> ReplicationStream::Next(std::chrono::milliseconds timeout) {
  ReleaseBuffer();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int len = PQgetCopyData(conn_, &buffer_, /*async=*/1);
    if (len > 0) {
      StreamEvent event;
      if (buffer_[0] == 'w' && len >= 25) {
        event.kind = StreamEvent::Kind::kData;
        event.wal_start = ReadU64(buffer_ + 1);
        event.wal_end = ReadU64(buffer_ + 9);
        event.payload = std::string_view(buffer_ + 25, static_cast<size_t>(len) - 25);
        return event;
      }
      if (buffer_[0] == 'k' && len >= 18) {
        event.kind = StreamEvent::Kind::kKeepalive;
        event.wal_end = ReadU64(buffer_ + 1);
        event.reply_requested = buffer_[17] != 0;
        return event;
      }
      return Status::Transient("unexpected replication message type '" +
                               std::string(1, buffer_[0]) + "'");
    }
    if (len == -1) {
      // COPY ended: the server closed the stream (shutdown, slot dropped, ...).
      std::unique_ptr<PGresult, decltype(&PQclear)> result(PQgetResult(conn_), &PQclear);
      std::string message = ConnError(conn_);
      if (result && PQresultStatus(result.get()) == PGRES_FATAL_ERROR) {
        message = PQresultErrorMessage(result.get());
        while (!message.empty() && message.back() == '\n') message.pop_back();
      }
      return Status::Transient("replication stream ended: " + message);
    }
    if (len == -2) return Status::Transient("replication stream failed: " + ConnError(conn_));
    // len == 0: nothing buffered; wait for the socket.
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return StreamEvent{};
    auto wait_us = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now).count();
    int fd = PQsocket(conn_);
    if (fd < 0) return Status::Transient("replication connection has no socket");
    fd_set read_fds;
    FD_ZERO(&read_fds);
    FD_SET(fd, &read_fds);
    timeval tv{static_cast<time_t>(wait_us / 1000000), static_cast<suseconds_t>(wait_us % 1000000)};
    int ready = select(fd + 1, &read_fds, nullptr, nullptr, &tv);
    if (ready < 0 && errno != EINTR) {
      return Status::Transient(std::string("select on replication socket: ") +
                               std::strerror(errno));
    }
    if (ready > 0 && PQconsumeInput(conn_) == 0) {
      return Status::Transient("replication connection lost: " + ConnError(conn_));
    }
  }
}

Status ReplicationStream::SendStatus(Lsn received, Lsn flushed) {
  char message[34];
  message[0] = 'r';
  WriteU64(message + 1, received);
  WriteU64(message + 9, flushed);   // flushed
  WriteU64(message + 17, flushed);  // applied
  WriteU64(message + 25, static_cast<uint64_t>(NowPgMicros()));
  message[33] = 0;  // no reply requested
  if (PQputCopyData(conn_, message, sizeof message) != 1 || PQflush(conn_) != 0) {
    return Status::Transient("cannot send standby status: " + ConnError(conn_));
  }
  return Status::Ok();
}

}  // namespace sluice::pg
