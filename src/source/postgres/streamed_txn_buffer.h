#pragma once
// StreamedTxnBuffer: holds the changes of in-progress transactions that Postgres streams
// before they commit (pgoutput streaming), until Stream Commit replays them or Stream Abort
// drops them.
//
// Memory is capped: once all buffered changes together pass `memory_limit_bytes`, the
// transaction being appended to moves to a spill file under `spill_dir` and stays there, so a
// transaction of any size costs bounded memory. Subtransaction aborts cut the buffer back to
// where that subtransaction began (as Postgres's own apply worker does).
//
// Thread-safety: none; the database's replication thread owns it.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "pipeline/change.h"

namespace sluice::pg {

class StreamedTxnBuffer {
 public:
  StreamedTxnBuffer(std::string spill_dir, size_t memory_limit_bytes);
  ~StreamedTxnBuffer();
  StreamedTxnBuffer(const StreamedTxnBuffer&) = delete;
  StreamedTxnBuffer& operator=(const StreamedTxnBuffer&) = delete;

  // Appends a change of top-level transaction `xid`, made by (sub)transaction `sub_xid`.
  Status Append(uint32_t xid, uint32_t sub_xid, Change&& change);
  // Drops subtransaction `sub_xid` of `xid` and everything after it; `sub_xid == xid` drops
  // the whole transaction.
  Status Abort(uint32_t xid, uint32_t sub_xid);
  // Calls `fn` with each buffered change of `xid` in order, then forgets the transaction.
  // Stops at the first error `fn` returns.
  Status Replay(uint32_t xid, const std::function<Status(Change&&)>& fn);
  // Drops every transaction (after a reconnect the server streams them again).
  void Clear();

  size_t memory_bytes() const { return memory_bytes_; }
  int64_t spilled_transactions() const { return spilled_transactions_; }

 private:
  struct SubxactStart {
    uint64_t index = 0;        // position of the subtransaction's first change
    uint64_t file_offset = 0;  // where that change starts in the spill file, once spilled
  };
  struct Txn {
    std::vector<Change> in_memory;  // oldest first; empty once spilled
    size_t memory_bytes = 0;
    uint64_t count = 0;
    std::FILE* file = nullptr;  // spill file, when spilled
    std::string file_path;
    std::map<uint32_t, SubxactStart> subxacts;
    std::vector<RelationPtr> relations;  // relations referenced from the spill file
    std::unordered_map<const RelationDef*, uint32_t> relation_index;
  };

  Status Spill(Txn& txn, uint32_t xid);
  Status WriteChange(Txn& txn, const Change& change);
  Status ReadChange(Txn& txn, Change* change);
  void Drop(Txn& txn);

  std::string spill_dir_;
  size_t memory_limit_bytes_;
  size_t memory_bytes_ = 0;
  int64_t spilled_transactions_ = 0;
  std::unordered_map<uint32_t, Txn> txns_;
};

// Approximate heap bytes of a change, for the memory cap.
size_t ApproximateSize(const Change& change);

}  // namespace sluice::pg
