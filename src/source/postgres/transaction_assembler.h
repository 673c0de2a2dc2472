#pragma once
// TransactionAssembler: turns decoded pgoutput messages into whole, ordered transactions.
//
// Ordinary transactions arrive complete between Begin and Commit and flow straight through;
// streamed (in-progress) transactions are held in a StreamedTxnBuffer until Stream Commit,
// then replayed, or dropped on Stream Abort. Every change leaves with its position (commit
// LSN, index), commit time and the transaction's annotations filled in.
//
// Thread-safety: none; the database's replication thread owns it.
#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "source/postgres/pgoutput_decoder.h"
#include "source/postgres/streamed_txn_buffer.h"

namespace sluice::pg {

// Receives assembled transactions. OnChange may block (backpressure).
class TransactionConsumer {
 public:
  virtual ~TransactionConsumer() = default;
  virtual void OnTransactionBegin(Lsn commit_lsn) = 0;
  virtual void OnChange(ChangePtr change) = 0;
  virtual void OnTransactionCommit(Lsn commit_lsn, Lsn end_lsn) = 0;
};

class TransactionAssembler : public DecodeHandler {
 public:
  // `consumer` must outlive the assembler.
  TransactionAssembler(TransactionConsumer* consumer, std::string spill_dir,
                       size_t memory_limit_bytes);

  // First error met while handling messages (spill I/O); the stream must restart.
  Status TakeError();
  // Between Begin and Commit of an ordinary transaction.
  bool in_transaction() const { return in_transaction_; }
  // Forgets partial state after a reconnect (the server resends it all).
  void Reset();
  const StreamedTxnBuffer& buffer() const { return buffer_; }

  // DecodeHandler
  void OnBegin(const BeginMessage& begin) override;
  void OnCommit(const CommitMessage& commit) override;
  void OnChange(uint32_t stream_xid, Change&& change) override;
  void OnLogicalMessage(const LogicalMessage& message) override;
  void OnStreamStart(const StreamStartMessage& start) override;
  void OnStreamStop() override;
  void OnStreamCommit(const StreamCommitMessage& commit) override;
  void OnStreamAbort(const StreamAbortMessage& abort) override;

 private:
  struct Current {
    Lsn commit_lsn = 0;
    int64_t commit_time_us = 0;
    uint32_t xid = 0;
    uint32_t next_idx = 0;
    std::shared_ptr<const std::string> annotations;
  };
  void Emit(Change&& change);

  TransactionConsumer* consumer_;
  StreamedTxnBuffer buffer_;
  Status error_;
  bool in_transaction_ = false;
  Current current_;
  bool in_stream_ = false;
  uint32_t stream_xid_ = 0;
  std::map<uint32_t, std::shared_ptr<const std::string>> stream_annotations_;
};

}  // namespace sluice::pg
