#pragma once
// DatabasePipeline: the replication side of one configured database. Its thread connects,
// prepares the slot and publication, streams pgoutput, decodes and assembles transactions,
// hands each change to the sinks that want it, and confirms to Postgres what every sink has
// settled. It reconnects with backoff whenever the database goes away.
//
// Threads: one replication thread (Run); Start/Stop from the engine; the accessors from any
// thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/metrics.h"
#include "config/config.h"
#include "pipeline/ack_tracker.h"
#include "pipeline/sink_runner.h"
#include "source/postgres/pg_conn.h"
#include "source/postgres/replication_stream.h"
#include "source/postgres/transaction_assembler.h"

namespace sluice {

class DatabasePipeline : public pg::TransactionConsumer {
 public:
  // `types` and the runners added must outlive the pipeline.
  DatabasePipeline(const DatabaseConfig& db, const std::string& data_dir,
                   TypeRegistrySource* types);
  ~DatabasePipeline() override;

  // Connects once to check the database. Configuration problems (wal_level, privileges,
  // missing publication) are fatal and come back here; an unreachable database is not an
  // error (the thread keeps trying and /health says so).
  Status Check();
  // Before Start: a sink fed by this database.
  void AddRunner(SinkRunner* runner) { runners_.push_back(runner); }
  AckTracker& tracker() { return tracker_; }
  const DatabaseConfig& config() const { return db_; }
  void Start();
  // Stops reading, waits up to `drain_timeout` for the sinks to settle what they have,
  // confirms that to Postgres and disconnects.
  void Stop(std::chrono::milliseconds drain_timeout);

  const std::string& name() const { return db_.name; }
  bool streaming() const { return streaming_; }
  std::string last_error() const;
  Lsn server_lsn() const { return server_lsn_; }
  Lsn confirmed_lsn() const { return confirmed_lsn_; }

  // pg::TransactionConsumer (replication thread)
  void OnTransactionBegin(Lsn commit_lsn) override;
  void OnChange(ChangePtr change) override;
  void OnTransactionCommit(Lsn commit_lsn, Lsn end_lsn) override;

 private:
  void Run();
  Status Prepare(PGconn* control);
  Status StreamOnce();
  Status Drain(std::chrono::milliseconds timeout);
  Status SendStatusIfDue(bool force);
  void Tick(PGconn* control);
  void SetError(const std::string& error);
  void SleepInterruptibly(std::chrono::milliseconds delay);

  const DatabaseConfig db_;
  const std::string spill_dir_;
  std::vector<SinkRunner*> runners_;
  TypeRegistrySource* types_;
  AckTracker tracker_;
  pg::TransactionAssembler assembler_;

  // Replication thread only.
  pg::ReplicationStream* stream_ = nullptr;
  Lsn received_lsn_ = 0;
  std::chrono::steady_clock::time_point last_status_sent_;
  std::chrono::steady_clock::time_point last_heartbeat_;
  std::chrono::steady_clock::time_point last_lag_check_;
  bool tracker_started_ = false;
  bool streaming_was_healthy_ = false;  // the last StreamOnce got as far as streaming
  std::mt19937_64 rng_{std::random_device{}()};

  std::atomic<bool> stopping_{false};
  std::atomic<bool> streaming_{false};
  std::atomic<Lsn> server_lsn_{0};
  std::atomic<Lsn> confirmed_lsn_{0};
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  std::string last_error_;  // GUARDED_BY(mu_)
  std::chrono::milliseconds drain_timeout_{0};

  Gauge* lag_bytes_;
  std::thread thread_;
};

}  // namespace sluice
