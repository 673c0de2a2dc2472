#include <hiredis.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "json_messages.h"
#include "readers.h"

namespace sluice::bench {
namespace {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};

std::string_view Str(const redisReply* r) { return std::string_view(r->str, r->len); }

}  // namespace

void ReadRedisStream(const std::string& host, int port, const std::string& key, ArrivalStats* stats,
                     const std::atomic<bool>& stop) {
  std::unique_ptr<redisContext, ContextDeleter> ctx(
      redisConnectWithTimeout(host.c_str(), port, timeval{2, 0}));
  if (!ctx || ctx->err) {
    stats->RecordProblem("redis: cannot connect to " + host + ":" + std::to_string(port));
    return;
  }
  JsonMessages parser;
  std::vector<Arrival> arrivals;
  std::string last_id = "0-0";
  std::string error;
  const std::string block_ms = std::to_string(kPollInterval.count());
  while (!stop.load()) {
    const char* argv[] = {"XREAD",          "COUNT",   "1000",      "BLOCK",
                          block_ms.c_str(), "STREAMS", key.c_str(), last_id.c_str()};
    std::unique_ptr<redisReply, ReplyDeleter> reply(
        static_cast<redisReply*>(redisCommandArgv(ctx.get(), 8, argv, nullptr)));
    if (!reply) {
      stats->RecordProblem(std::string("redis: ") + ctx->errstr);
      return;
    }
    int64_t arrival_us = NowMicros();
    if (reply->type != REDIS_REPLY_ARRAY) continue;  // nil: nothing within the block time
    for (size_t s = 0; s < reply->elements; ++s) {
      const redisReply* entries = reply->element[s]->element[1];
      for (size_t e = 0; e < entries->elements; ++e) {
        const redisReply* entry = entries->element[e];
        last_id.assign(Str(entry->element[0]));
        const redisReply* fields = entry->element[1];
        std::string_view action, record, metadata;
        for (size_t f = 0; f + 1 < fields->elements; f += 2) {
          std::string_view name = Str(fields->element[f]);
          std::string_view value = Str(fields->element[f + 1]);
          if (name == "action") action = value;
          if (name == "record") record = value;
          if (name == "metadata") metadata = value;
        }
        arrivals.clear();
        // Arrival::table points into the parser: record each entry before the next parse.
        if (parser.ParseSplitMessage(action, record, metadata, &arrivals, &error)) {
          stats->Record(arrivals, arrival_us);
        } else {
          stats->RecordProblem(error);
        }
      }
    }
  }
}

}  // namespace sluice::bench
