#include "pipeline/ack_tracker.h"

#include <algorithm>

#include "common/check.h"

namespace sluice {

void AckTracker::BeginTxn(Lsn commit_lsn) {
  std::lock_guard lock(mutex_);
  txns_.try_emplace(commit_lsn);
}

void AckTracker::AddPending(Lsn commit_lsn, int64_t n) {
  std::lock_guard lock(mutex_);
  txns_[commit_lsn].pending += n;
  pending_total_ += n;
}

void AckTracker::CommitTxn(Lsn commit_lsn, Lsn end_lsn) {
  std::lock_guard lock(mutex_);
  Txn& txn = txns_[commit_lsn];
  txn.committed = true;
  txn.end_lsn = end_lsn;
  AdvanceLocked();
}

void AckTracker::Settle(Lsn commit_lsn, int64_t n) {
  std::lock_guard lock(mutex_);
  auto it = txns_.find(commit_lsn);
  SLUICE_CHECK(it != txns_.end(), "settled a message of an unknown transaction");
  it->second.pending -= n;
  pending_total_ -= n;
  SLUICE_CHECK(it->second.pending >= 0, "settled more messages than were pending");
  if (it == txns_.begin()) AdvanceLocked();
}

void AckTracker::ObserveServerPosition(Lsn server_lsn) {
  std::lock_guard lock(mutex_);
  if (txns_.empty()) frontier_ = std::max(frontier_, server_lsn);
}

void AckTracker::Start(Lsn confirmed) {
  std::lock_guard lock(mutex_);
  frontier_ = std::max(frontier_, confirmed);
}

Lsn AckTracker::Frontier() const {
  std::lock_guard lock(mutex_);
  return frontier_;
}

int64_t AckTracker::PendingMessages() const {
  std::lock_guard lock(mutex_);
  return pending_total_;
}

void AckTracker::AdvanceLocked() {
  while (!txns_.empty()) {
    auto it = txns_.begin();
    if (!it->second.committed || it->second.pending > 0) break;
    frontier_ = std::max(frontier_, it->second.end_lsn);
    txns_.erase(it);
  }
}

}  // namespace sluice
