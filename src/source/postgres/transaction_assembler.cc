#include "source/postgres/transaction_assembler.h"

namespace sluice::pg {
namespace {

constexpr std::string_view kAnnotationsPrefix = "sluice:annotations";

}  // namespace

TransactionAssembler::TransactionAssembler(TransactionConsumer* consumer, std::string spill_dir,
                                           size_t memory_limit_bytes)
    : consumer_(consumer), buffer_(std::move(spill_dir), memory_limit_bytes) {}

Status TransactionAssembler::TakeError() {
  Status error = error_;
  error_ = Status::Ok();
  return error;
}

void TransactionAssembler::Reset() {
  buffer_.Clear();
  in_transaction_ = false;
  in_stream_ = false;
  stream_annotations_.clear();
  current_ = Current{};
}

void TransactionAssembler::OnBegin(const BeginMessage& begin) {
  in_transaction_ = true;
  current_ = Current{begin.final_lsn, begin.commit_time_us, begin.xid, 0, nullptr};
  consumer_->OnTransactionBegin(begin.final_lsn);
}

void TransactionAssembler::OnCommit(const CommitMessage& commit) {
  in_transaction_ = false;
  consumer_->OnTransactionCommit(commit.commit_lsn, commit.end_lsn);
}

void TransactionAssembler::OnChange(uint32_t stream_xid, Change&& change) {
  if (in_stream_) {
    Status appended = buffer_.Append(stream_xid_, stream_xid, std::move(change));
    if (!appended.ok() && error_.ok()) error_ = appended;
    return;
  }
  Emit(std::move(change));
}

void TransactionAssembler::Emit(Change&& change) {
  change.position = Position{current_.commit_lsn, current_.next_idx++};
  change.commit_time_us = current_.commit_time_us;
  change.xid = current_.xid;
  change.transaction_annotations = current_.annotations;
  consumer_->OnChange(std::make_shared<const Change>(std::move(change)));
}

void TransactionAssembler::OnLogicalMessage(const LogicalMessage& message) {
  if (!message.transactional || message.prefix != kAnnotationsPrefix) return;
  auto annotations = std::make_shared<const std::string>(message.content);
  if (in_stream_) {
    stream_annotations_[stream_xid_] = std::move(annotations);
  } else {
    current_.annotations = std::move(annotations);
  }
}

void TransactionAssembler::OnStreamStart(const StreamStartMessage& start) {
  in_stream_ = true;
  stream_xid_ = start.xid;
}

void TransactionAssembler::OnStreamStop() { in_stream_ = false; }

void TransactionAssembler::OnStreamCommit(const StreamCommitMessage& commit) {
  current_ = Current{commit.commit_lsn, commit.commit_time_us, commit.xid, 0, nullptr};
  auto annotations = stream_annotations_.find(commit.xid);
  if (annotations != stream_annotations_.end()) {
    current_.annotations = annotations->second;
    stream_annotations_.erase(annotations);
  }
  in_transaction_ = true;
  consumer_->OnTransactionBegin(commit.commit_lsn);
  Status replayed = buffer_.Replay(commit.xid, [this](Change&& change) {
    Emit(std::move(change));
    return Status::Ok();
  });
  if (!replayed.ok()) {
    // The transaction is incomplete here: leave it open so it is never confirmed, and
    // restart the stream to get it again.
    if (error_.ok()) error_ = replayed;
    return;
  }
  in_transaction_ = false;
  consumer_->OnTransactionCommit(commit.commit_lsn, commit.end_lsn);
}

void TransactionAssembler::OnStreamAbort(const StreamAbortMessage& abort) {
  if (abort.subxid == abort.xid) stream_annotations_.erase(abort.xid);
  Status aborted = buffer_.Abort(abort.xid, abort.subxid);
  if (!aborted.ok() && error_.ok()) error_ = aborted;
}

}  // namespace sluice::pg
