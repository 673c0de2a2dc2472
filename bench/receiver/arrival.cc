#include "arrival.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sluice::bench {

uint64_t ChangeChecksum(ChangeKind kind, int64_t id) {
  // splitmix64 finaliser: spreads (kind, id) so that a lost change and a duplicated neighbour
  // do not cancel out in the sum.
  uint64_t z = static_cast<uint64_t>(id) * 4 + static_cast<uint64_t>(kind);
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ArrivalStats::Record(const std::vector<Arrival>& arrivals, int64_t arrival_us) {
  std::lock_guard lock(mu_);
  TableStats* stats = nullptr;
  std::string_view stats_table;
  for (const Arrival& a : arrivals) {
    if (stats == nullptr || a.table != stats_table) {
      auto it = tables_.find(a.table);
      if (it == tables_.end()) it = tables_.emplace(std::string(a.table), TableStats{}).first;
      stats = &it->second;
      stats_table = it->first;
      ++stats->deliveries;
    }
    if (stats->count == 0) {
      stats->first_arrival_us = arrival_us;
      stats->first_commit_us = a.commit_us;
    }
    ++stats->count;
    stats->checksum += ChangeChecksum(a.kind, a.id);
    stats->last_arrival_us = arrival_us;
    stats->first_commit_us = std::min(stats->first_commit_us, a.commit_us);
    stats->last_commit_us = std::max(stats->last_commit_us, a.commit_us);
    stats->latencies_us.push_back(arrival_us - a.commit_us);
  }
}

void ArrivalStats::RecordProblem(std::string_view why) {
  std::lock_guard lock(mu_);
  ++problems_;
  last_error_.assign(why.substr(0, 200));
}

namespace {

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  out += '"';
}

int64_t Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

}  // namespace

std::string ArrivalStats::ToJson(bool percentiles) const {
  std::lock_guard lock(mu_);
  std::string out = "{\"problems\":" + std::to_string(problems_) + ",\"last_error\":";
  AppendJsonString(out, last_error_);
  out += ",\"tables\":{";
  bool first = true;
  for (const auto& [name, t] : tables_) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, name);
    char buf[512];
    std::snprintf(
        buf, sizeof(buf),
        ":{\"count\":%llu,\"deliveries\":%llu,\"checksum\":\"%llu\",\"first_arrival_us\":%lld,"
        "\"last_arrival_us\":%lld,\"first_commit_us\":%lld,\"last_commit_us\":%lld",
        static_cast<unsigned long long>(t.count), static_cast<unsigned long long>(t.deliveries),
        static_cast<unsigned long long>(t.checksum), static_cast<long long>(t.first_arrival_us),
        static_cast<long long>(t.last_arrival_us), static_cast<long long>(t.first_commit_us),
        static_cast<long long>(t.last_commit_us));
    out += buf;
    if (percentiles) {
      std::vector<int64_t> sorted = t.latencies_us;
      std::sort(sorted.begin(), sorted.end());
      double sum = 0;
      for (int64_t v : sorted) sum += static_cast<double>(v);
      std::snprintf(buf, sizeof(buf),
                    ",\"latency_us\":{\"p50\":%lld,\"p90\":%lld,\"p99\":%lld,\"max\":%lld,"
                    "\"mean\":%.1f}",
                    static_cast<long long>(Percentile(sorted, 0.50)),
                    static_cast<long long>(Percentile(sorted, 0.90)),
                    static_cast<long long>(Percentile(sorted, 0.99)),
                    static_cast<long long>(sorted.empty() ? 0 : sorted.back()),
                    sorted.empty() ? 0.0 : sum / static_cast<double>(sorted.size()));
      out += buf;
    }
    out += '}';
  }
  out += "}}";
  return out;
}

}  // namespace sluice::bench
