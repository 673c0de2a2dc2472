#pragma once
// RedisSink: the `redis_stream` and `redis_string` destinations.
//   redis_stream: XADD <stream_key> [MAXLEN ~ n] * <member> <json> ... per message, one field
//                 per top-level member of the message body (values are their JSON text).
//   redis_string: SET <prefix>:<key> <body> [PX ms] for insert/update/read, DEL on delete.
// A batch is pipelined: all its commands go out in one write, then the replies are read in
// order, one outcome per message. Commands on one connection run in order, so per-key order
// holds within and across batches (max_in_flight stays 1).
//
// Outcomes: OK; Transient for a lost connection or a busy/loading/OOM server (the connection
// is re-established on the next Send); Permanent for a reply error about this message
// (WRONGTYPE, a body that is not a JSON object, a truncate for redis_string); Fatal for
// refused credentials or permissions.
//
// Threads: everything, `done` included, runs on the sink's runner thread: Send does the round
// trip itself, bounded by `timeout`.
#include <memory>
#include <string>

#include "sinks/redis/config.h"
#include "sinks/redis/connection.h"
#include "sinks/sink.h"

namespace sluice {

class RedisSink final : public Sink {
 public:
  RedisSink(std::string name, RedisConfig config);

  // Connects, authenticates, selects the database and pings.
  Status Start() override;
  void Send(const Batch& batch, DeliveryCallback done) override;
  // Send finishes its round trip before returning: nothing is ever pending here.
  Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }
  void Stop() override { connection_.reset(); }

 private:
  Status Connect();
  // Appends the command for `message` to buffer_, or returns why it cannot have one.
  Status AppendCommandFor(const Message& message);
  Status ReplyStatus(const redisReply& reply) const;
  std::string Describe() const;

  const std::string name_;
  const RedisConfig config_;
  std::unique_ptr<redis::RedisConnection> connection_;  // null until connected, or after an error
  std::string buffer_;                                  // the pipeline of one batch
  std::string key_buf_;
};

Result<std::unique_ptr<Sink>> MakeRedisStreamSink(const SinkConfig& sink, const SinkContext& ctx);
Result<std::unique_ptr<Sink>> MakeRedisStringSink(const SinkConfig& sink, const SinkContext& ctx);

}  // namespace sluice
