#pragma once
// AckTracker: decides how far the replication slot may be confirmed.
//
// Every transaction that produced messages for any sink is registered at its commit LSN; each
// message handed to a sink adds one pending count; a sink settles it (delivered, parked in the
// store, dead-lettered) by subtracting one. The frontier is the end LSN of the newest
// transaction such that it and every older one are committed and fully settled. Confirming that
// end LSN to Postgres means a restart replays only transactions with unsettled messages.
//
// When nothing is pending, the frontier follows the server's position from keepalives, so
// writes to tables no sink reads never pin WAL (DESIGN.md "the one invariant").
//
// Thread-safety: all methods may be called from any thread (one mutex; calls are short).
#include <cstdint>
#include <map>
#include <mutex>

#include "common/lsn.h"

namespace sluice {

class AckTracker {
 public:
  // Replication thread: a transaction with commit LSN `commit_lsn` starts producing messages.
  void BeginTxn(Lsn commit_lsn);
  // Replication thread: `n` more messages of the open transaction went to sinks.
  void AddPending(Lsn commit_lsn, int64_t n);
  // Replication thread: the transaction is complete; its messages may still be pending.
  void CommitTxn(Lsn commit_lsn, Lsn end_lsn);
  // Any thread: `n` messages of transaction `commit_lsn` are settled for one sink.
  void Settle(Lsn commit_lsn, int64_t n);
  // Replication thread: the server has sent everything up to `server_lsn` and nothing received
  // before it is unsettled if no transaction is open or pending.
  void ObserveServerPosition(Lsn server_lsn);
  // Starting point at the first connect: the slot's confirmed flush LSN. After a reconnect the
  // server replays unconfirmed transactions under the same commit LSNs, so their new messages
  // simply add to the entries still here; nothing is reset.
  void Start(Lsn confirmed);

  // The LSN that may be confirmed to the server as flushed.
  Lsn Frontier() const;
  // Messages handed to sinks and not yet settled.
  int64_t PendingMessages() const;

 private:
  struct Txn {
    int64_t pending = 0;
    Lsn end_lsn = 0;
    bool committed = false;
  };
  void AdvanceLocked();  // @locks mutex_ held

  mutable std::mutex mutex_;
  std::map<Lsn, Txn> txns_;    // GUARDED_BY(mutex_), by commit LSN
  Lsn frontier_ = 0;           // GUARDED_BY(mutex_)
  int64_t pending_total_ = 0;  // GUARDED_BY(mutex_)
};

}  // namespace sluice
