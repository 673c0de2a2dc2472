#include "pipeline/database_pipeline.h"

#include <filesystem>

#include "common/backoff.h"
#include "common/log.h"
#include "source/postgres/slot.h"
#include "source/postgres/type_registry.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kReadWait{100};
constexpr milliseconds kStatusInterval{1000};
constexpr milliseconds kLagInterval{2000};
constexpr milliseconds kReconnectInitial{500};
constexpr milliseconds kReconnectMax{30000};
// In-progress transactions are held in memory up to this, then spilled to disk.
constexpr size_t kStreamMemoryLimit = 64u << 20;

std::optional<std::vector<std::string>> PrimaryKeyColumns(PGconn* conn, uint32_t oid) {
  auto rows = pg::Query(conn,
                        "SELECT a.attname FROM pg_index i "
                        "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
                        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                        "WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.ord",
                        {std::to_string(oid)});
  if (!rows) {
    SLUICE_LOG_WARN("cannot read the primary key of table oid {}: {}", oid, rows.error().message());
    return std::nullopt;
  }
  if (rows->empty()) return std::nullopt;
  std::vector<std::string> names;
  for (auto& row : *rows) names.push_back(std::move(row[0]));
  return names;
}

}  // namespace

DatabasePipeline::DatabasePipeline(const DatabaseConfig& db, const std::string& data_dir,
                                   TypeRegistrySource* types)
    : db_(db),
      spill_dir_(data_dir + "/spill/" + db.name),
      types_(types),
      assembler_(this, spill_dir_, kStreamMemoryLimit) {
  lag_bytes_ = Metrics::Global().GetGauge("sluice_replication_lag_bytes", {{"database", db_.name}});
  // Spill files of a previous run describe transactions the server will stream again.
  std::error_code ec;
  std::filesystem::remove_all(spill_dir_, ec);
}

DatabasePipeline::~DatabasePipeline() { Stop(milliseconds(0)); }

std::string DatabasePipeline::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void DatabasePipeline::SetError(const std::string& error) {
  std::lock_guard lock(mu_);
  last_error_ = error;
}

Status DatabasePipeline::Check() {
  auto control = pg::Connect(db_.ConnInfo(false), "database " + db_.name);
  if (!control) {
    SLUICE_LOG_WARN("{} (will keep trying)", control.error().message());
    SetError(control.error().message());
    return Status::Ok();
  }
  return Prepare(control->get());
}

Status DatabasePipeline::Prepare(PGconn* control) {
  SLUICE_RETURN_IF_ERROR(pg::PrepareDatabase(control, db_));
  auto types = std::make_shared<pg::TypeRegistry>();
  SLUICE_RETURN_IF_ERROR(types->LoadFromCatalog(control).WithContext("database " + db_.name));
  types_->Set(std::move(types));
  if (!tracker_started_) {
    auto confirmed = pg::SlotConfirmedFlush(control, db_.slot.name);
    if (!confirmed) return confirmed.error();
    tracker_.Start(*confirmed);
    confirmed_lsn_ = *confirmed;
    tracker_started_ = true;
  }
  return Status::Ok();
}

void DatabasePipeline::Start() {
  thread_ = std::thread([this] { Run(); });
}

void DatabasePipeline::Stop(milliseconds drain_timeout) {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    drain_timeout_ = drain_timeout;
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void DatabasePipeline::SleepInterruptibly(milliseconds delay) {
  std::unique_lock lock(mu_);
  stop_cv_.wait_for(lock, delay, [&] { return stopping_.load(); });
}

void DatabasePipeline::Run() {
  int attempt = 0;
  while (!stopping_) {
    Status ended = StreamOnce();
    streaming_ = false;
    if (stopping_) break;
    SetError(ended.message());
    milliseconds delay = BackoffDelay(++attempt, kReconnectInitial, kReconnectMax, 0.5, rng_);
    SLUICE_LOG_WARN("database {}: {}; reconnecting in {} ms", db_.name, ended.message(),
                    delay.count());
    SleepInterruptibly(delay);
    if (streaming_was_healthy_) attempt = 0;
  }
}

Status DatabasePipeline::StreamOnce() {
  streaming_was_healthy_ = false;
  auto control = pg::Connect(db_.ConnInfo(false), "database " + db_.name);
  if (!control) return control.error();
  SLUICE_RETURN_IF_ERROR(Prepare(control->get()));
  auto stream =
      pg::ReplicationStream::Open(db_.ConnInfo(true), db_.slot.name, db_.publication.name, 0);
  if (!stream) return stream.error().WithContext("database " + db_.name);
  stream_ = stream->get();
  assembler_.Reset();
  for (SinkRunner* runner : runners_) runner->PrepareForReplay();
  pg::PgOutputDecoder decoder;
  PGconn* control_conn = control->get();
  decoder.set_primary_key_lookup(
      [control_conn](uint32_t oid) { return PrimaryKeyColumns(control_conn, oid); });
  streaming_ = true;
  streaming_was_healthy_ = true;
  SetError("");
  SLUICE_LOG_INFO("database {}: streaming from slot \"{}\" (publication \"{}\")", db_.name,
                  db_.slot.name, db_.publication.name);
  Status result;
  while (!stopping_) {
    auto event = stream_->Next(kReadWait);
    if (!event) {
      result = event.error();
      break;
    }
    if (event->kind == pg::StreamEvent::Kind::kData) {
      received_lsn_ = std::max(received_lsn_, event->wal_start);
      Status decoded = decoder.Decode(event->payload, assembler_);
      if (decoded.ok()) decoded = assembler_.TakeError();
      if (!decoded.ok()) {
        result = decoded.WithContext("database " + db_.name);
        break;
      }
    } else if (event->kind == pg::StreamEvent::Kind::kKeepalive) {
      received_lsn_ = std::max(received_lsn_, event->wal_end);
      if (!assembler_.in_transaction()) tracker_.ObserveServerPosition(event->wal_end);
      if (event->reply_requested) {
        result = SendStatusIfDue(true);
        if (!result.ok()) break;
      }
    }
    result = SendStatusIfDue(false);
    if (!result.ok()) break;
    Tick(control->get());
  }
  if (stopping_ && result.ok()) result = Drain(drain_timeout_);
  stream_ = nullptr;
  return result;
}

Status DatabasePipeline::Drain(milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (tracker_.PendingMessages() > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    SLUICE_RETURN_IF_ERROR(SendStatusIfDue(false));
  }
  return SendStatusIfDue(true);
}

Status DatabasePipeline::SendStatusIfDue(bool force) {
  auto now = Clock::now();
  if (!force && now - last_status_sent_ < kStatusInterval) return Status::Ok();
  Lsn frontier = tracker_.Frontier();
  SLUICE_RETURN_IF_ERROR(stream_->SendStatus(std::max(received_lsn_, frontier), frontier));
  last_status_sent_ = now;
  confirmed_lsn_ = frontier;
  return Status::Ok();
}

void DatabasePipeline::Tick(PGconn* control) {
  auto now = Clock::now();
  if (now - last_heartbeat_ >= db_.heartbeat_interval) {
    last_heartbeat_ = now;
    auto sent = pg::Query(control, "SELECT pg_logical_emit_message(true, 'sluice:heartbeat', '')");
    if (!sent)
      SLUICE_LOG_WARN("database {}: heartbeat failed: {}", db_.name, sent.error().message());
  }
  if (now - last_lag_check_ >= kLagInterval) {
    last_lag_check_ = now;
    auto wal = pg::CurrentWalLsn(control);
    if (wal) {
      server_lsn_ = *wal;
      Lsn confirmed = confirmed_lsn_;
      lag_bytes_->Set(*wal > confirmed ? static_cast<int64_t>(*wal - confirmed) : 0);
    }
  }
}

void DatabasePipeline::OnTransactionBegin(Lsn commit_lsn) { tracker_.BeginTxn(commit_lsn); }

void DatabasePipeline::OnChange(ChangePtr change) {
  // Replaying a big streamed transaction or waiting for a full sink keeps this thread away
  // from the read loop for long: keep the server from timing the connection out meanwhile.
  auto keep_alive = [this] {
    if (stream_ != nullptr) (void)SendStatusIfDue(false);
  };
  for (SinkRunner* runner : runners_) {
    if (!runner->Accepts(*change)) continue;
    tracker_.AddPending(change->position.commit_lsn, 1);
    runner->Push(change, keep_alive);
  }
  keep_alive();
}

void DatabasePipeline::OnTransactionCommit(Lsn commit_lsn, Lsn end_lsn) {
  tracker_.CommitTxn(commit_lsn, end_lsn);
}

}  // namespace sluice
