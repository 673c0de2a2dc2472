#include "sinks/webhook/group_scheduler.h"

#include <string>
#include <unordered_map>

namespace sluice {

GroupScheduler::GroupScheduler(const Batch& batch) : next_in_group_(batch.size(), kNone) {
  std::unordered_map<std::string, size_t> last_of_group;
  std::string group;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Message& message = batch[i];
    // NUL cannot occur in Postgres identifiers, so the parts cannot run into each other.
    group.assign(message.schema_name).append(1, '\0');
    group.append(message.table_name).append(1, '\0').append(message.group_key);
    auto [it, first] = last_of_group.try_emplace(group, i);
    if (first) {
      ready_.insert(i);
    } else {
      next_in_group_[it->second] = i;
      it->second = i;
    }
  }
}

std::optional<size_t> GroupScheduler::TakeReady() {
  if (ready_.empty()) return std::nullopt;
  const size_t index = *ready_.begin();
  ready_.erase(ready_.begin());
  return index;
}

std::vector<size_t> GroupScheduler::Finish(size_t index, bool ok) {
  std::vector<size_t> blocked;
  const size_t next = next_in_group_[index];
  if (ok) {
    if (next != kNone) ready_.insert(next);
    return blocked;
  }
  for (size_t i = next; i != kNone; i = next_in_group_[i]) blocked.push_back(i);
  return blocked;
}

}  // namespace sluice
