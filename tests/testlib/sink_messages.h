#pragma once
// Test helpers for sink tests: build Messages like the pipeline does, and wait for a Sink's
// outcomes of one batch (the `done` callback may run on any thread).
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "sinks/message.h"
#include "sinks/sink.h"

namespace sluice::testing {

// A message of `schema.table` for primary key `pk`, at position (lsn, idx), whose body is a
// JSON object with `record`, `action` and `metadata` like messages.md (plus `pad` bytes).
inline Message MakeMessage(const std::string& table, const std::string& pk, Action action, Lsn lsn,
                           uint32_t idx, size_t pad = 0) {
  Message m;
  m.position = Position{lsn, idx};
  m.action = action;
  m.schema_name = "public";
  m.table_name = table;
  m.group_key = pk;
  m.record_pks = {pk};
  m.idempotency_key = std::to_string(lsn) + ":" + std::to_string(idx);
  std::string action_name(ActionName(action));
  m.body = "{\"record\":{\"id\":\"" + pk + "\",\"pad\":\"" + std::string(pad, 'x') +
           "\"},\"changes\":null,\"action\":\"" + action_name +
           "\",\"metadata\":{\"table_schema\":\"public\",\"table_name\":\"" + table +
           "\",\"commit_lsn\":" + std::to_string(lsn) + ",\"commit_idx\":" + std::to_string(idx) +
           "}}";
  return m;
}

// Collects the outcomes of one Send. The callback keeps the shared state alive, so a test
// that gives up waiting does not leave the sink a dangling callback. Counts calls so a test
// can check that `done` ran exactly once.
class Outcomes {
 public:
  Outcomes() : state_(std::make_shared<State>()) { future_ = state_->promise.get_future(); }
  DeliveryCallback Callback() {
    return [state = state_](std::vector<Status> outcomes) {
      if (++state->calls == 1) state->promise.set_value(std::move(outcomes));
    };
  }
  // True once the outcomes arrived (waits up to `timeout`).
  bool Wait(std::chrono::milliseconds timeout) {
    return future_.wait_for(timeout) == std::future_status::ready;
  }
  std::vector<Status> Get() { return future_.get(); }
  int calls() const { return state_->calls; }

 private:
  struct State {
    std::promise<std::vector<Status>> promise;
    std::atomic<int> calls{0};
  };
  std::shared_ptr<State> state_;
  std::future<std::vector<Status>> future_;
};

// Sends `batch` and waits up to `timeout` for its outcomes (empty when none came).
inline std::vector<Status> SendAndWait(
    Sink& sink, const Batch& batch, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  Outcomes outcomes;
  sink.Send(batch, outcomes.Callback());
  if (!outcomes.Wait(timeout)) return {};
  return outcomes.Get();
}

}  // namespace sluice::testing
