#pragma once
// GroupScheduler: the order in which a batch's messages may be sent one request each, so that
// requests run concurrently without breaking per-group order.
//
// A message group is (schema, table, group_key); an empty group_key is a group too (the
// table's), so nothing is ever reordered by accident. Within a group at most one message is
// in flight, and a later message goes only after the earlier one succeeded. When one fails,
// every later message of its group is settled as blocked instead of sent.
// Single-threaded: the webhook sink's runner drives it for one batch.
#include <cstddef>
#include <optional>
#include <set>
#include <vector>

#include "sinks/message.h"

namespace sluice {

class GroupScheduler {
 public:
  // `batch` is only read here; the scheduler keeps indexes, not references.
  explicit GroupScheduler(const Batch& batch);

  // The lowest-indexed message that may be sent now, or nullopt if none may yet. Each index
  // is handed out at most once.
  std::optional<size_t> TakeReady();
  // Reports that message `index` (handed out by TakeReady) finished. Returns the indexes of
  // messages that will now never be sent because `index` failed: its group's later messages.
  std::vector<size_t> Finish(size_t index, bool ok);

 private:
  static constexpr size_t kNone = static_cast<size_t>(-1);
  std::vector<size_t> next_in_group_;  // per message: the group's next message, or kNone
  std::set<size_t> ready_;
};

}  // namespace sluice
