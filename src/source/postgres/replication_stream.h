#pragma once
// ReplicationStream: a libpq replication connection in COPY BOTH mode streaming pgoutput.
//
// One thread (the database's replication thread) owns a stream and calls every method.
// Next() returns a view into libpq's buffer that stays valid until the following Next().
#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "common/lsn.h"
#include "common/status.h"

namespace sluice::pg {

struct StreamEvent {
  enum class Kind { kData, kKeepalive, kTimeout };
  Kind kind = Kind::kTimeout;
  Lsn wal_start = 0;             // kData: LSN of this message
  Lsn wal_end = 0;               // server's current end of WAL
  bool reply_requested = false;  // kKeepalive: answer at once or be disconnected
  std::string_view payload;      // kData: the pgoutput message
};

class ReplicationStream {
 public:
  ~ReplicationStream();
  ReplicationStream(const ReplicationStream&) = delete;
  ReplicationStream& operator=(const ReplicationStream&) = delete;

  // Connects with `conninfo` (must include replication=database) and runs START_REPLICATION
  // for `slot` with pgoutput protocol 2, streaming on, messages on. Errors are transient
  // unless the server rejects the request itself (fatal).
  static Result<std::unique_ptr<ReplicationStream>> Open(const std::string& conninfo,
                                                         const std::string& slot,
                                                         const std::string& publication,
                                                         Lsn start_lsn);

  // Waits up to `timeout` for the next message from the server.
  Result<StreamEvent> Next(std::chrono::milliseconds timeout);

  // Sends a standby status update: everything up to `received` arrived, everything up to
  // `flushed` is settled (the slot's confirmed flush may move there).
  Status SendStatus(Lsn received, Lsn flushed);

 private:
  explicit ReplicationStream(PGconn* conn) : conn_(conn) {}
  void ReleaseBuffer();

  PGconn* conn_;
  char* buffer_ = nullptr;  // from PQgetCopyData, freed before the next read
};

}  // namespace sluice::pg
