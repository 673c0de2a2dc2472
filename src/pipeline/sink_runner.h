#pragma once
// SinkRunner: drives one sink. It takes changes from the replication thread through a bounded
// queue, encodes them, batches them (count, bytes, time caps), delivers them in order per
// message group, and settles every message with the AckTracker exactly once: delivered,
// dead-lettered, or parked in the store.
//
// Failures never block other groups or other sinks: a message that fails is parked in the
// store with its attempt count and retried with exponential backoff; later messages of its
// group are parked behind it (in order) until it gets through or is dead-lettered. When a
// whole batch fails (the target is down) the runner "opens the circuit": new messages go
// straight to the store and one group at a time is probed until the target answers again.
//
// Threads: Push and Accepts run on the database's replication thread; the runner has its own
// thread plus one send thread (so a slow target never stalls parking); Status from any thread.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/metrics.h"
#include "config/config.h"
#include "pipeline/ack_tracker.h"
#include "pipeline/change.h"
#include "pipeline/engine_view.h"
#include "sinks/encode/message_encoder.h"
#include "sinks/sink.h"
#include "store/state_store.h"

namespace sluice {

class TypeRegistrySource;

class SinkRunner {
 public:
  // `store`, `tracker` and `types` must outlive the runner.
  SinkRunner(const SinkConfig& config, std::unique_ptr<Sink> sink, MessageContext context,
             StateStore* store, AckTracker* tracker, const TypeRegistrySource* types);
  ~SinkRunner();

  // Loads the sink's cursor and blocked groups from the store and starts the threads.
  Status Start();
  // Delivers what is queued (up to `timeout`), saves the cursor and stops the threads.
  void Stop(std::chrono::milliseconds timeout);

  // Replication thread: whether this sink wants `change` (table, action, not yet delivered
  // before a restart).
  bool Accepts(const Change& change) const;
  // Replication thread, before streaming starts again after a reconnect: everything settled
  // so far will be replayed by the server and must be skipped. (Reading the live cursor in
  // Accepts instead would race with a transaction still being pushed.)
  void PrepareForReplay();
  // Replication thread: queues an accepted change. Blocks while the queue is full (the
  // backpressure that stops the replication reader), calling `while_waiting` about every
  // 500 ms so the caller can keep its connection alive.
  void Push(ChangePtr change, const std::function<void()>& while_waiting);

  const std::string& name() const { return config_.name; }
  SinkStatus Report() const;
  Position cursor() const;  // settled through here (any thread)

 private:
  struct InFlight {
    uint64_t seq = 0;
    Batch batch;
    bool probe = false;                 // a retry of parked messages, not fresh ones
    std::vector<ParkedMessage> parked;  // probe: the stored messages, one per batch entry
    std::optional<std::vector<sluice::Status>> outcomes;
  };

  void Run();
  void SendLoop();
  bool TakeFresh(std::vector<ChangePtr>* changes);
  Message Encode(const Change& change);
  const std::vector<int>& GroupColumns(const RelationPtr& relation);
  void HandleFresh(std::vector<ChangePtr> changes);
  void Submit(InFlight* in_flight);
  void HandleCompletions();
  void FinishFresh(InFlight& in_flight);
  void FinishProbe(InFlight& probe);
  void MaybeProbe();
  void Park(std::vector<Message>& messages, const std::vector<sluice::Status>* outcomes);
  void SettleMessages(const Batch& batch);
  void AdvanceCursor();
  void SaveCursorIfDue(bool force);
  void RefreshBlockedGroups();
  void SetFailing(const std::string& error);
  void SetHealthy();
  std::chrono::milliseconds Backoff(int attempt);
  int64_t NowMs() const;

  const SinkConfig config_;
  std::unique_ptr<Sink> sink_;
  const MessageContext context_;
  StateStore* store_;
  AckTracker* tracker_;
  const TypeRegistrySource* types_;
  // Changes at or before this were settled earlier: a replay skips them. Set in Start and
  // PrepareForReplay; read by Accepts. @locality replication thread (after Start)
  std::optional<Position> skip_through_;

  // Queue from the replication thread. @locks mu_
  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // runner waits: new changes, completions, stop
  std::condition_variable space_cv_;  // replication thread waits for room
  std::deque<ChangePtr> queue_;
  std::vector<InFlight*> completed_done_;  // reported by the sink, not yet handled
  bool stopping_ = false;
  bool drained_ = false;
  std::string status_ = "active";
  std::string last_error_;
  int64_t parked_failing_ = 0;

  // Send thread. @locks send_mu_
  std::mutex send_mu_;
  std::condition_variable send_cv_;
  std::deque<InFlight*> to_send_;
  bool send_stop_ = false;

  // Runner thread only.
  std::deque<std::unique_ptr<InFlight>> in_flight_;  // fresh batches, send order
  bool probe_in_flight_ = false;
  std::unique_ptr<InFlight> probe_;
  uint64_t next_seq_ = 0;
  std::set<std::string> blocked_groups_;
  bool circuit_open_ = false;
  bool sink_started_ = false;
  int start_attempts_ = 0;
  int64_t next_start_attempt_ms_ = 0;
  int64_t next_probe_ms_ = 0;
  struct Unit {  // messages taken together from the queue, settled in queue order
    Position last;
    uint64_t seq = 0;  // in-flight batch holding some of them, or 0 when all were parked
  };
  std::deque<Unit> units_;
  Position cursor_;
  Position saved_cursor_;
  int64_t cursor_saved_at_ms_ = 0;
  std::shared_ptr<const pg::TypeRegistry> encoder_types_;
  std::unique_ptr<MessageEncoder> encoder_;
  std::unordered_map<const RelationDef*, std::pair<RelationPtr, std::vector<int>>> group_columns_;
  std::mt19937_64 rng_{std::random_device{}()};

  // Metrics, labelled by sink and database.
  Counter* ingested_;
  Counter* delivered_;
  Counter* failed_;
  Counter* dead_lettered_;
  Histogram* latency_;
  Gauge* backlog_;
  mutable int64_t rate_sample_count_ = 0;  // @locks mu_: last Report()'s delivered count
  mutable int64_t rate_sample_ms_ = 0;
  mutable double throughput_ = 0;
  Position published_cursor_;  // GUARDED_BY(mu_): cursor_ for other threads

  std::thread runner_thread_;
  std::thread send_thread_;
};

// Where runners get the current type registry; the replication thread replaces it after
// (re)loading the catalog. Thread-safe.
class TypeRegistrySource {
 public:
  std::shared_ptr<const pg::TypeRegistry> Get() const { return std::atomic_load(&types_); }
  void Set(std::shared_ptr<const pg::TypeRegistry> types) {
    std::atomic_store(&types_, std::move(types));
  }

 private:
  std::shared_ptr<const pg::TypeRegistry> types_;
};

}  // namespace sluice
