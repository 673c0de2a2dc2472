#include "pipeline/sink_runner.h"

#include <algorithm>
#include <chrono>

#include "common/backoff.h"
#include "common/log.h"

namespace sluice {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kIdleWait{50};
constexpr milliseconds kPushWait{500};
constexpr milliseconds kStoreRetry{1000};
// How stale a saved cursor may be: what a kill -9 re-delivers. One small fsync per interval.
constexpr int64_t kCursorSaveIntervalMs = 200;
constexpr double kJitter = 0.5;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The store and the blocking logic key groups by table too: the same key in two tables is
// two groups.
std::string QualifiedGroup(const Message& m) {
  return m.schema_name + "." + m.table_name + ":" + m.group_key;
}

size_t QueueCapacity(const SinkConfig& config) {
  return std::max<size_t>(4096, static_cast<size_t>(config.batch_size) * 8);
}

}  // namespace

SinkRunner::SinkRunner(const SinkConfig& config, std::unique_ptr<Sink> sink, MessageContext context,
                       StateStore* store, AckTracker* tracker, const TypeRegistrySource* types)
    : config_(config),
      sink_(std::move(sink)),
      context_(std::move(context)),
      store_(store),
      tracker_(tracker),
      types_(types) {
  Labels labels = {{"sink", config_.name}, {"database", config_.database}};
  Metrics& m = Metrics::Global();
  ingested_ = m.GetCounter("sluice_messages_ingested_total", labels);
  delivered_ = m.GetCounter("sluice_messages_delivered_total", labels);
  failed_ = m.GetCounter("sluice_messages_failed_total", labels);
  dead_lettered_ = m.GetCounter("sluice_messages_dead_lettered_total", labels);
  latency_ = m.GetHistogram("sluice_delivery_latency_seconds", labels);
  backlog_ = m.GetGauge("sluice_backlog_messages", labels);
  // Backfills arrive with a later issue; the series exists from the start so dashboards and
  // alerts can be built on it now.
  m.GetCounter("sluice_backfill_rows_total", labels);
}

SinkRunner::~SinkRunner() { Stop(milliseconds(0)); }

Status SinkRunner::Start() {
  auto cursor = store_->LoadSinkCursor(config_.name);
  if (!cursor) return cursor.error().WithContext("sink " + config_.name + ": loading cursor");
  skip_through_ = *cursor;
  if (*cursor) {
    cursor_ = saved_cursor_ = published_cursor_ = **cursor;
  }
  RefreshBlockedGroups();
  runner_thread_ = std::thread([this] { Run(); });
  send_thread_ = std::thread([this] { SendLoop(); });
  return Status::Ok();
}

void SinkRunner::Stop(milliseconds timeout) {
  if (!runner_thread_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::unique_lock lock(mu_);
    work_cv_.wait_until(lock, deadline, [&] { return drained_; });
    drained_ = true;  // past the deadline: the runner stops without draining
  }
  work_cv_.notify_all();
  runner_thread_.join();
  {
    std::lock_guard lock(send_mu_);
    send_stop_ = true;
  }
  send_cv_.notify_all();
  send_thread_.join();
  sink_->Stop();
}

bool SinkRunner::Accepts(const Change& change) const {
  if (!config_.actions.contains(change.action)) return false;
  if (!config_.source.Matches(change.relation->schema, change.relation->table)) return false;
  return !skip_through_ || change.position > *skip_through_;
}

void SinkRunner::Push(ChangePtr change, const std::function<void()>& while_waiting) {
  std::unique_lock lock(mu_);
  const size_t capacity = QueueCapacity(config_);
  while (queue_.size() >= capacity && !stopping_) {
    space_cv_.wait_for(lock, kPushWait, [&] { return queue_.size() < capacity || stopping_; });
    lock.unlock();
    while_waiting();  // the caller rate-limits what it does here
    lock.lock();
  }
  queue_.push_back(std::move(change));
  if (queue_.size() == 1 || queue_.size() >= static_cast<size_t>(config_.batch_size)) {
    work_cv_.notify_one();
  }
}

// ---- Runner thread ----

void SinkRunner::Run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      work_cv_.wait_for(lock, kIdleWait, [&] {
        return drained_ || !completed_done_.empty() ||
               (!queue_.empty() && in_flight_.size() < sink_->max_in_flight());
      });
      if (drained_) break;
    }
    HandleCompletions();
    if (!sink_started_ && NowMs() >= next_start_attempt_ms_) {
      sluice::Status started = sink_->Start();
      if (started.ok()) {
        sink_started_ = true;
        SetHealthy();
        SLUICE_LOG_INFO("sink {}: started", config_.name);
      } else {
        next_start_attempt_ms_ = NowMs() + Backoff(++start_attempts_).count();
        SetFailing("cannot start: " + started.message());
      }
    }
    std::vector<ChangePtr> changes;
    if (TakeFresh(&changes)) HandleFresh(std::move(changes));
    MaybeProbe();
    SaveCursorIfDue(false);
    std::lock_guard lock(mu_);
    backlog_->Set(static_cast<int64_t>(queue_.size()) + parked_failing_);
    if (stopping_ && queue_.empty() && in_flight_.empty() && !probe_in_flight_ &&
        completed_done_.empty()) {
      drained_ = true;
      work_cv_.notify_all();
      break;
    }
  }
  SaveCursorIfDue(true);
}

bool SinkRunner::TakeFresh(std::vector<ChangePtr>* changes) {
  const bool deliverable = sink_started_ && !circuit_open_;
  std::unique_lock lock(mu_);
  if (queue_.empty() || (deliverable && in_flight_.size() >= sink_->max_in_flight())) return false;
  const size_t batch_size = static_cast<size_t>(config_.batch_size);
  if (queue_.size() < batch_size && !stopping_) {
    // A partial batch waits at most batch_timeout for company; a full one goes at once.
    work_cv_.wait_for(lock, config_.batch_timeout,
                      [&] { return queue_.size() >= batch_size || stopping_; });
  }
  size_t n = std::min(batch_size, queue_.size());
  changes->assign(std::make_move_iterator(queue_.begin()),
                  std::make_move_iterator(queue_.begin() + static_cast<long>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
  lock.unlock();
  space_cv_.notify_one();
  return true;
}

void SinkRunner::HandleFresh(std::vector<ChangePtr> changes) {
  auto types = types_->Get();
  if (!encoder_ || types != encoder_types_) {
    encoder_types_ = types;
    encoder_ = std::make_unique<MessageEncoder>(config_.encoding, context_, types);
  }
  Batch to_send;
  std::vector<Message> to_park;
  const bool deliverable = sink_started_ && !circuit_open_;
  size_t bytes = 0;
  size_t used = 0;
  for (; used < changes.size(); ++used) {
    if (used > 0 && bytes >= static_cast<size_t>(config_.batch_max_bytes)) break;
    Message message = Encode(*changes[used]);
    bytes += message.body.size();
    if (deliverable && !blocked_groups_.contains(QualifiedGroup(message))) {
      to_send.push_back(std::move(message));
    } else {
      to_park.push_back(std::move(message));
    }
  }
  if (used < changes.size()) {  // over the byte cap: the rest goes back to the queue's front
    std::lock_guard lock(mu_);
    queue_.insert(queue_.begin(), changes.begin() + static_cast<long>(used), changes.end());
  }
  ingested_->Add(static_cast<int64_t>(used));
  Unit unit{changes[used - 1]->position, 0};
  if (!to_park.empty()) Park(to_park, nullptr);
  if (!to_send.empty()) {
    auto in_flight = std::make_unique<InFlight>();
    in_flight->seq = unit.seq = ++next_seq_;
    in_flight->batch = std::move(to_send);
    in_flight_.push_back(std::move(in_flight));
    Submit(in_flight_.back().get());
  }
  units_.push_back(unit);
  AdvanceCursor();
}

Message SinkRunner::Encode(const Change& change) {
  Message m;
  m.position = change.position;
  m.action = change.action;
  m.schema_name = change.relation->schema;
  m.table_name = change.relation->table;
  m.idempotency_key = IdempotencyKey(change.position);
  m.record_pks = RecordPks(change);
  m.group_key = config_.message_grouping ? GroupKey(change, GroupColumns(change.relation))
                                         : m.idempotency_key;
  m.commit_time_us = change.commit_time_us;
  encoder_->Encode(change, &m.body);
  return m;
}

const std::vector<int>& SinkRunner::GroupColumns(const RelationPtr& relation) {
  auto it = group_columns_.find(relation.get());
  if (it != group_columns_.end()) return it->second.second;
  std::vector<int> columns;
  const std::string qualified = relation->QualifiedName();
  for (const TableSettings& table : config_.tables) {
    if (table.name != qualified && table.name != relation->table) continue;
    for (const std::string& name : table.group_column_names) {
      auto col = std::find_if(relation->columns.begin(), relation->columns.end(),
                              [&](const ColumnDef& c) { return c.name == name; });
      if (col == relation->columns.end()) {
        SLUICE_LOG_WARN("sink {}: group column \"{}\" is not in table {}; grouping by key",
                        config_.name, name, qualified);
        columns.clear();
        break;
      }
      columns.push_back(static_cast<int>(col - relation->columns.begin()));
    }
  }
  return group_columns_.emplace(relation.get(), std::make_pair(relation, std::move(columns)))
      .first->second.second;
}

void SinkRunner::Submit(InFlight* in_flight) {
  {
    std::lock_guard lock(send_mu_);
    to_send_.push_back(in_flight);
  }
  send_cv_.notify_one();
}

void SinkRunner::SendLoop() {
  for (;;) {
    InFlight* in_flight = nullptr;
    {
      std::unique_lock lock(send_mu_);
      send_cv_.wait(lock, [&] { return send_stop_ || !to_send_.empty(); });
      if (to_send_.empty()) return;
      in_flight = to_send_.front();
      to_send_.pop_front();
    }
    sink_->Send(in_flight->batch, [this, in_flight](std::vector<sluice::Status> outcomes) {
      if (outcomes.size() != in_flight->batch.size()) {
        outcomes = SameOutcome(in_flight->batch.size(),
                               sluice::Status::Transient("sink reported a wrong outcome count"));
      }
      std::lock_guard lock(mu_);
      in_flight->outcomes = std::move(outcomes);
      completed_done_.push_back(in_flight);
      work_cv_.notify_all();
    });
  }
}

void SinkRunner::HandleCompletions() {
  std::vector<InFlight*> done;
  {
    std::lock_guard lock(mu_);
    done.assign(completed_done_.begin(), completed_done_.end());
    completed_done_.clear();
  }
  for (InFlight* in_flight : done) {
    if (in_flight->probe) {
      FinishProbe(*in_flight);
      probe_.reset();
      probe_in_flight_ = false;
      continue;
    }
    FinishFresh(*in_flight);
    for (Unit& unit : units_) {
      if (unit.seq == in_flight->seq) unit.seq = 0;
    }
    in_flight_.erase(std::find_if(in_flight_.begin(), in_flight_.end(),
                                  [&](const auto& f) { return f.get() == in_flight; }));
  }
  if (!done.empty()) AdvanceCursor();
}

void SinkRunner::FinishFresh(InFlight& in_flight) {
  const auto& outcomes = *in_flight.outcomes;
  Batch delivered;
  std::vector<Message> failed;
  std::vector<sluice::Status> failed_outcomes;
  const sluice::Status* first_error = nullptr;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].ok()) {
      delivered.push_back(std::move(in_flight.batch[i]));
    } else {
      if (first_error == nullptr) first_error = &outcomes[i];
      failed.push_back(std::move(in_flight.batch[i]));
      failed_outcomes.push_back(outcomes[i]);
    }
  }
  if (!delivered.empty()) {
    const int64_t now_us = NowUs();
    for (const Message& m : delivered) latency_->Observe((now_us - m.commit_time_us) / 1e6);
    delivered_->Add(static_cast<int64_t>(delivered.size()));
    SettleMessages(delivered);
  }
  if (failed.empty()) {
    SetHealthy();
    return;
  }
  failed_->Add(static_cast<int64_t>(failed.size()));
  SetFailing(first_error->message());
  // A target that failed the whole batch (not just permanent rejects) is treated as down:
  // later messages go to the store until a probe gets through.
  bool all_failed = delivered.empty() && std::any_of(failed_outcomes.begin(), failed_outcomes.end(),
                                                     [](const sluice::Status& s) {
                                                       return s.retry() != Retry::kPermanent;
                                                     });
  if (all_failed && !circuit_open_) {
    circuit_open_ = true;
    SLUICE_LOG_WARN("sink {}: target unavailable ({}); parking messages and probing", config_.name,
                    first_error->message());
  }
  Park(failed, &failed_outcomes);
}

void SinkRunner::Park(std::vector<Message>& messages, const std::vector<sluice::Status>* outcomes) {
  std::vector<ParkedMessage> parked;
  parked.reserve(messages.size());
  std::set<std::string> failed_groups;  // groups whose first failed message is in this call
  int64_t dead = 0, failing = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    Message& m = messages[i];
    ParkedMessage p;
    p.sink = config_.name;
    p.position = m.position;
    p.group_key = QualifiedGroup(m);
    p.idempotency_key = m.idempotency_key;
    p.action = std::string(ActionName(m.action));
    p.schema_name = m.schema_name;
    p.table_name = m.table_name;
    p.record_pks = m.record_pks;
    p.body = std::move(m.body);
    p.commit_time_us = m.commit_time_us;
    if (outcomes != nullptr) {
      const sluice::Status& outcome = (*outcomes)[i];
      p.last_error = outcome.message();
      bool first_of_group =
          !blocked_groups_.contains(p.group_key) && failed_groups.insert(p.group_key).second;
      if (first_of_group || outcome.retry() == Retry::kPermanent) {
        p.attempts = 1;
        p.next_attempt_at_ms = NowMs() + Backoff(1).count();
      }
      bool out_of_retries = config_.max_retry_count && p.attempts > *config_.max_retry_count;
      if (outcome.retry() == Retry::kPermanent || out_of_retries) p.state = "dead_letter";
    }
    if (p.state == "dead_letter") {
      ++dead;
    } else {
      ++failing;
    }
    parked.push_back(std::move(p));
  }
  for (;;) {
    sluice::Status written = store_->ParkMessages(parked);
    if (written.ok()) break;
    SLUICE_LOG_ERROR("sink {}: cannot park {} messages in the store: {}", config_.name,
                     parked.size(), written.message());
    std::unique_lock lock(mu_);
    if (drained_) return;  // shutting down: unsettled, so they will be replayed
    work_cv_.wait_for(lock, kStoreRetry);
  }
  for (const ParkedMessage& p : parked) {
    if (p.state == "failing") blocked_groups_.insert(p.group_key);
  }
  dead_lettered_->Add(dead);
  {
    std::lock_guard lock(mu_);
    parked_failing_ += failing;
  }
  for (const ParkedMessage& p : parked) {
    if (p.state == "dead_letter") {
      SLUICE_LOG_WARN("sink {}: dead-lettered message {} ({}.{}): {}", config_.name,
                      p.idempotency_key, p.schema_name, p.table_name, p.last_error);
    }
  }
  SettleMessages(messages);
}

void SinkRunner::SettleMessages(const Batch& batch) {
  size_t i = 0;
  while (i < batch.size()) {
    size_t j = i;
    while (j < batch.size() && batch[j].position.commit_lsn == batch[i].position.commit_lsn) ++j;
    tracker_->Settle(batch[i].position.commit_lsn, static_cast<int64_t>(j - i));
    i = j;
  }
}

void SinkRunner::MaybeProbe() {
  if (probe_in_flight_ || !sink_started_ || blocked_groups_.empty() || NowMs() < next_probe_ms_) {
    return;
  }
  const size_t limit = std::max<size_t>(1000, static_cast<size_t>(config_.batch_size) * 20);
  auto parked = store_->ListParked(config_.name, "failing", limit);
  if (!parked) {
    SLUICE_LOG_ERROR("sink {}: cannot read parked messages: {}", config_.name,
                     parked.error().message());
    next_probe_ms_ = NowMs() + kStoreRetry.count();
    return;
  }
  if (parked->empty()) {
    RefreshBlockedGroups();
    return;
  }
  // Listed oldest first, so a group's first appearance is its head. Probe the oldest group
  // whose head is due, with its run of messages (up to a batch).
  const int64_t now = NowMs();
  std::set<std::string> seen;
  std::string chosen;
  int64_t next_due = now + 1000;
  for (const ParkedMessage& p : *parked) {
    if (!seen.insert(p.group_key).second) continue;
    if (p.next_attempt_at_ms <= now) {
      chosen = p.group_key;
      break;
    }
    next_due = std::min(next_due, p.next_attempt_at_ms);
  }
  if (chosen.empty()) {
    next_probe_ms_ = next_due;
    return;
  }
  probe_ = std::make_unique<InFlight>();
  probe_->probe = true;
  for (ParkedMessage& p : *parked) {
    if (p.group_key != chosen) continue;
    if (probe_->batch.size() >= static_cast<size_t>(config_.batch_size)) break;
    Message m;
    m.position = p.position;
    m.action = ActionFromName(p.action).value_or(Action::kInsert);
    m.schema_name = p.schema_name;
    m.table_name = p.table_name;
    m.group_key = p.group_key.substr(p.schema_name.size() + p.table_name.size() + 2);
    m.idempotency_key = p.idempotency_key;
    m.record_pks = p.record_pks;
    m.body = std::move(p.body);
    m.commit_time_us = p.commit_time_us;
    probe_->batch.push_back(std::move(m));
    probe_->parked.push_back(std::move(p));
  }
  probe_in_flight_ = true;
  Submit(probe_.get());
}

void SinkRunner::FinishProbe(InFlight& probe) {
  const auto& outcomes = *probe.outcomes;
  std::vector<int64_t> delivered_ids;
  const int64_t now_us = NowUs();
  size_t i = 0;
  for (; i < outcomes.size() && outcomes[i].ok(); ++i) {
    delivered_ids.push_back(probe.parked[i].id);
    latency_->Observe((now_us - probe.batch[i].commit_time_us) / 1e6);
  }
  int64_t resolved = static_cast<int64_t>(delivered_ids.size());
  if (!delivered_ids.empty()) {
    delivered_->Add(resolved);
    sluice::Status deleted = store_->DeleteParked(delivered_ids);
    if (!deleted.ok()) {
      // They stay parked and go out again later: a duplicate, never a loss.
      SLUICE_LOG_ERROR("sink {}: cannot remove delivered messages from the store: {}", config_.name,
                       deleted.message());
    }
    if (circuit_open_) SLUICE_LOG_INFO("sink {}: target answers again", config_.name);
    circuit_open_ = false;
    SetHealthy();
  }
  if (i < outcomes.size()) {  // the first failure of the run: count an attempt
    failed_->Add(1);
    ParkedMessage& head = probe.parked[i];
    head.attempts += 1;
    head.last_error = outcomes[i].message();
    head.next_attempt_at_ms = NowMs() + Backoff(head.attempts).count();
    bool out_of_retries = config_.max_retry_count && head.attempts > *config_.max_retry_count;
    if (outcomes[i].retry() == Retry::kPermanent || out_of_retries) {
      head.state = "dead_letter";
      dead_lettered_->Add(1);
      ++resolved;
      SLUICE_LOG_WARN("sink {}: dead-lettered message {} after {} attempts: {}", config_.name,
                      head.idempotency_key, head.attempts, head.last_error);
    }
    sluice::Status updated = store_->UpdateParked(head);
    if (!updated.ok()) {
      SLUICE_LOG_ERROR("sink {}: cannot update a parked message: {}", config_.name,
                       updated.message());
    }
    SetFailing(head.last_error);
  }
  {
    std::lock_guard lock(mu_);
    parked_failing_ -= resolved;
  }
  RefreshBlockedGroups();
}

void SinkRunner::AdvanceCursor() {
  while (!units_.empty() && units_.front().seq == 0) {
    cursor_ = std::max(cursor_, units_.front().last);
    units_.pop_front();
  }
  std::lock_guard lock(mu_);
  published_cursor_ = cursor_;
}

void SinkRunner::SaveCursorIfDue(bool force) {
  if (cursor_ == saved_cursor_) return;
  if (!force && NowMs() - cursor_saved_at_ms_ < kCursorSaveIntervalMs) return;
  sluice::Status saved = store_->SaveSinkCursor(config_.name, cursor_);
  if (!saved.ok()) {
    SLUICE_LOG_WARN("sink {}: cannot save cursor: {}", config_.name, saved.message());
    return;
  }
  saved_cursor_ = cursor_;
  cursor_saved_at_ms_ = NowMs();
}

void SinkRunner::RefreshBlockedGroups() {
  auto groups = store_->BlockedGroups(config_.name);
  if (!groups) {
    SLUICE_LOG_ERROR("sink {}: cannot read blocked groups: {}", config_.name,
                     groups.error().message());
    return;
  }
  blocked_groups_ = std::set<std::string>(groups->begin(), groups->end());
  if (blocked_groups_.empty()) circuit_open_ = false;
  {
    std::lock_guard lock(mu_);
    if (blocked_groups_.empty()) parked_failing_ = 0;
    if (parked_failing_ == 0 && !blocked_groups_.empty()) {  // first look after a restart
      auto parked = store_->ListParked(config_.name, "failing", 100000);
      if (parked) parked_failing_ = static_cast<int64_t>(parked->size());
    }
  }
  if (blocked_groups_.empty()) SetHealthy();
}

void SinkRunner::SetFailing(const std::string& error) {
  std::lock_guard lock(mu_);
  if (status_ != "failing" || last_error_ != error) {
    SLUICE_LOG_WARN("sink {}: delivery failing: {}", config_.name, error);
  }
  status_ = "failing";
  last_error_ = error;
}

void SinkRunner::SetHealthy() {
  std::lock_guard lock(mu_);
  // Still failing while the target is down or any message waits for a retry.
  if (circuit_open_ || parked_failing_ > 0) return;
  status_ = "active";
  last_error_.clear();
}

milliseconds SinkRunner::Backoff(int attempt) {
  return BackoffDelay(attempt, config_.retry.initial_backoff, config_.retry.max_backoff, kJitter,
                      rng_);
}

int64_t SinkRunner::NowMs() const {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Position SinkRunner::cursor() const {
  std::lock_guard lock(mu_);
  return published_cursor_;
}

void SinkRunner::PrepareForReplay() {
  Position settled = cursor();
  if (!skip_through_ || settled > *skip_through_) skip_through_ = settled;
}

SinkStatus SinkRunner::Report() const {
  SinkStatus s;
  s.name = config_.name;
  s.type = config_.destination_type;
  s.database = config_.database;
  s.messages_delivered = delivered_->value();
  s.messages_failed = failed_->value();
  s.messages_dead_lettered = dead_lettered_->value();
  std::lock_guard lock(mu_);
  s.status = status_;
  s.last_error = last_error_;
  const int64_t now = NowMs();
  if (rate_sample_ms_ == 0) {
    rate_sample_ms_ = now;
    rate_sample_count_ = s.messages_delivered;
  } else if (now - rate_sample_ms_ >= 1000) {
    throughput_ = static_cast<double>(s.messages_delivered - rate_sample_count_) * 1000.0 /
                  static_cast<double>(now - rate_sample_ms_);
    rate_sample_ms_ = now;
    rate_sample_count_ = s.messages_delivered;
  }
  s.throughput_per_sec = throughput_;
  s.backlog = static_cast<int64_t>(queue_.size()) + parked_failing_;
  return s;
}

}  // namespace sluice
