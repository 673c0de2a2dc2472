#include "sinks/redis/redis_sink.h"

#include <hiredis/hiredis.h>

#include <string_view>
#include <vector>

#include "common/log.h"
#include "config/config.h"
#include "sinks/redis/json_fields.h"
#include "sinks/redis/resp.h"

namespace sluice {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

RedisSink::RedisSink(std::string name, RedisConfig config)
    : name_(std::move(name)), config_(std::move(config)) {}

std::string RedisSink::Describe() const {
  return std::string(config_.kind == RedisConfig::Kind::kStream ? "redis_stream" : "redis_string") +
         " sink \"" + name_ + "\" (" + (config_.tls.enabled ? "rediss://" : "redis://") +
         config_.host + ":" + std::to_string(config_.port) + ")";
}

Status RedisSink::Start() {
  connection_.reset();
  return Connect();
}

Status RedisSink::Connect() {
  redis::ConnectOptions options{config_.host, config_.port, config_.tls, config_.timeout};
  auto connection = redis::RedisConnection::Connect(options);
  if (!connection) return connection.error().WithContext(Describe());
  // AUTH and SELECT (when asked) and a PING, pipelined; the PING proves the server answers.
  buffer_.clear();
  size_t commands = 1;
  if (!config_.password.empty()) {
    if (config_.username.empty()) {
      redis::AppendCommand(&buffer_, {"AUTH", config_.password});
    } else {
      redis::AppendCommand(&buffer_, {"AUTH", config_.username, config_.password});
    }
    ++commands;
  }
  if (config_.database != 0) {
    redis::AppendCommand(&buffer_, {"SELECT", std::to_string(config_.database)});
    ++commands;
  }
  redis::AppendCommand(&buffer_, {"PING"});
  if (Status written = (*connection)->Write(buffer_); !written.ok()) {
    return written.WithContext(Describe());
  }
  for (size_t i = 0; i < commands; ++i) {
    auto reply = (*connection)->ReadReply();
    if (!reply) return reply.error().WithContext(Describe());
    if ((*reply)->type != REDIS_REPLY_ERROR) continue;
    std::string_view error((*reply)->str, (*reply)->len);
    // The reply never contains the password, so it is safe to show.
    std::string user = config_.username.empty() ? "default" : config_.username;
    if (StartsWith(error, "WRONGPASS") || StartsWith(error, "NOAUTH") ||
        StartsWith(error, "ERR invalid password") || StartsWith(error, "ERR AUTH")) {
      return Status::Fatal(Describe() + ": the server refused the credentials of user \"" + user +
                           "\": " + std::string(error) + "; check username and password");
    }
    if (StartsWith(error, "LOADING") || StartsWith(error, "BUSY")) {
      return Status::Transient(Describe() + ": " + std::string(error));
    }
    return Status::Fatal(Describe() + ": " + std::string(error));
  }
  connection_ = std::move(*connection);
  return Status::Ok();
}

Status RedisSink::AppendCommandFor(const Message& message) {
  if (config_.kind == RedisConfig::Kind::kStream) {
    auto members = redis::SplitTopLevel(message.body);
    if (!members) return members.error().WithContext(Describe());
    key_buf_.clear();
    config_.stream_key.RenderTo(message, &key_buf_);
    size_t argc = 3 + (config_.max_len ? 3 : 0) + 2 * members->size();
    redis::AppendCommandHeader(&buffer_, argc);
    redis::AppendArg(&buffer_, "XADD");
    redis::AppendArg(&buffer_, key_buf_);
    if (config_.max_len) {
      // "~": trim lazily in whole macro nodes, which is far cheaper than exact trimming.
      redis::AppendArg(&buffer_, "MAXLEN");
      redis::AppendArg(&buffer_, "~");
      redis::AppendArg(&buffer_, std::to_string(*config_.max_len));
    }
    redis::AppendArg(&buffer_, "*");
    for (const auto& member : *members) {
      redis::AppendArg(&buffer_, member.name);
      redis::AppendArg(&buffer_, member.value);
    }
    return Status::Ok();
  }
  key_buf_.clear();
  if (!config_.key_prefix.empty()) key_buf_ = config_.key_prefix + ":";
  config_.key.RenderTo(message, &key_buf_);
  switch (message.action) {
    case Action::kDelete:
      redis::AppendCommand(&buffer_, {"DEL", key_buf_});
      return Status::Ok();
    case Action::kTruncate:
      return Status::Permanent(Describe() + ": a truncate of " + message.schema_name + "." +
                               message.table_name + " has no key to delete");
    case Action::kInsert:
    case Action::kUpdate:
    case Action::kRead:
      break;
  }
  if (config_.expire_ms) {
    redis::AppendCommand(&buffer_,
                         {"SET", key_buf_, message.body, "PX", std::to_string(*config_.expire_ms)});
  } else {
    redis::AppendCommand(&buffer_, {"SET", key_buf_, message.body});
  }
  return Status::Ok();
}

Status RedisSink::ReplyStatus(const redisReply& reply) const {
  if (reply.type != REDIS_REPLY_ERROR) return Status::Ok();
  std::string error(reply.str, reply.len);
  std::string message = Describe() + ": " + error;
  for (std::string_view prefix : {"NOAUTH", "WRONGPASS", "NOPERM", "MOVED", "ASK", "CROSSSLOT"}) {
    if (StartsWith(error, prefix)) return Status::Fatal(message);
  }
  for (std::string_view prefix : {"OOM", "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY",
                                  "MISCONF", "NOREPLICAS", "CLUSTERDOWN"}) {
    if (StartsWith(error, prefix)) return Status::Transient(message);
  }
  return Status::Permanent(message);  // WRONGTYPE and the like: about this message only
}

void RedisSink::Send(const Batch& batch, DeliveryCallback done) {
  std::vector<Status> outcomes(batch.size());
  if (connection_ == nullptr) {
    if (Status connected = Connect(); !connected.ok()) {
      done(SameOutcome(batch.size(), connected));
      return;
    }
  }
  buffer_.clear();
  std::vector<size_t> sent;  // indexes of the messages that have a command, in order
  sent.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    Status appended = AppendCommandFor(batch[i]);
    if (appended.ok()) {
      sent.push_back(i);
    } else {
      outcomes[i] = std::move(appended);
    }
  }
  Status io = sent.empty() ? Status::Ok() : connection_->Write(buffer_);
  for (size_t n = 0; n < sent.size(); ++n) {
    if (io.ok()) {
      auto reply = connection_->ReadReply();
      if (reply) {
        outcomes[sent[n]] = ReplyStatus(**reply);
        continue;
      }
      io = reply.error();
    }
    // The connection broke: whatever has no reply may or may not have been applied; a
    // retry can duplicate a stream entry (consumers dedupe by idempotency key), never lose one.
    outcomes[sent[n]] = io.WithContext(Describe());
  }
  bool fatal = false;
  for (const auto& outcome : outcomes) fatal = fatal || outcome.retry() == Retry::kFatal;
  if (!io.ok() || fatal) {
    if (!io.ok())
      SLUICE_LOG_WARN("{}: {}; reconnecting on the next batch", Describe(), io.message());
    connection_.reset();
  }
  done(std::move(outcomes));
}

namespace {

Result<std::unique_ptr<Sink>> MakeWith(Result<RedisConfig> (*parse)(ConfigNode&, const Config&),
                                       const SinkConfig& sink, const SinkContext& ctx) {
  if (!sink.destination) return Status::Fatal("sink \"" + sink.name + "\": missing destination");
  static const Config kNoConfig;
  ConfigNode destination = *sink.destination;
  auto config = parse(destination, ctx.config != nullptr ? *ctx.config : kNoConfig);
  if (!config) return config.error().WithContext("sink \"" + sink.name + "\"");
  return std::unique_ptr<Sink>(new RedisSink(sink.name, std::move(*config)));
}

}  // namespace

Result<std::unique_ptr<Sink>> MakeRedisStreamSink(const SinkConfig& sink, const SinkContext& ctx) {
  return MakeWith(ParseRedisStreamConfig, sink, ctx);
}

Result<std::unique_ptr<Sink>> MakeRedisStringSink(const SinkConfig& sink, const SinkContext& ctx) {
  return MakeWith(ParseRedisStringConfig, sink, ctx);
}

}  // namespace sluice
