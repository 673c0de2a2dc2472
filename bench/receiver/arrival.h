#pragma once
// One change as seen at the destination, and the per-table tally the benchmark reads back.
// ArrivalStats is shared by every reader thread of the receiver; all methods are thread-safe.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

enum class ChangeKind : uint8_t { kInsert = 1, kUpdate = 2, kDelete = 3 };

// What the harness needs from one delivered change: where it belongs, which row and action it
// was (for the completeness checksum) and when its transaction committed (for latency).
struct Arrival {
  std::string_view table;  // points into the message buffer; valid during Record() only
  ChangeKind kind = ChangeKind::kInsert;
  int64_t id = 0;
  int64_t commit_us = 0;  // commit time, microseconds since the Unix epoch
};

// The checksum term of one change; the harness (sluicebench/workloads.py) computes the same
// sum over the changes it wrote, so equal sums mean the same multiset of (kind, id).
uint64_t ChangeChecksum(ChangeKind kind, int64_t id);

// Microseconds since the Unix epoch, from the realtime clock that Postgres also stamps
// commits with (same machine).
int64_t NowMicros();

class ArrivalStats {
 public:
  // Records changes that arrived together at `arrival_us`.
  void Record(const std::vector<Arrival>& arrivals, int64_t arrival_us);
  // Counts a message the receiver could not understand or a failed read from the source
  // (reported with the last reason, never silently dropped).
  void RecordProblem(std::string_view why);

  // JSON: {"problems": n, "last_error": "...", "tables": {name: {...}}}; with `percentiles`
  // each table also carries latency p50/p90/p99/max/mean in microseconds (sorts a copy).
  std::string ToJson(bool percentiles) const;

 private:
  struct TableStats {
    uint64_t count = 0;
    uint64_t deliveries = 0;  // requests / reads that carried changes of this table
    uint64_t checksum = 0;    // wraps modulo 2^64 on purpose
    int64_t first_arrival_us = 0;
    int64_t last_arrival_us = 0;
    int64_t first_commit_us = 0;
    int64_t last_commit_us = 0;
    std::vector<int64_t> latencies_us;
  };

  mutable std::mutex mu_;
  std::map<std::string, TableStats, std::less<>> tables_;  // guarded by mu_
  uint64_t problems_ = 0;                                  // guarded by mu_
  std::string last_error_;                                 // guarded by mu_
};

}  // namespace sluice::bench
