#pragma once
// Message: one change encoded for one sink, plus the routing facts sinks need.
#include <cstdint>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "pipeline/change.h"

namespace sluice {

struct Message {
  Position position;
  Action action = Action::kInsert;
  std::string schema_name;
  std::string table_name;
  std::string group_key;        // message group: pk values (or group columns) joined with ':'
  std::string idempotency_key;  // base64("<commit_lsn>:<commit_idx>")
  std::vector<std::string> record_pks;
  std::string body;             // the encoded JSON message (messages.md) or transform output
  int64_t commit_time_us = 0;   // for commit-to-ack latency
};

using Batch = std::vector<Message>;

}  // namespace sluice
