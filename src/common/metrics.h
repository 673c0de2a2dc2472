#pragma once
// Process-wide metrics in Prometheus text format. Counters and gauges are lock-free atomics;
// looking one up by name and labels takes a lock, so callers keep the pointer (it lives as
// long as the process).
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace sluice {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Add(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Latency histogram in seconds with fixed buckets from 1 ms to 60 s.
class Histogram {
 public:
  static const std::vector<double>& Bounds();
  Histogram();
  void Observe(double seconds);
  std::vector<int64_t> BucketCounts() const;  // cumulative, one per bound, then +Inf
  int64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const;
  // Value at quantile q (0..1), estimated from the buckets.
  double Quantile(double q) const;

 private:
  std::vector<std::atomic<int64_t>> buckets_;
  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> sum_us_{0};
};

class Metrics {
 public:
  static Metrics& Global();
  Counter* GetCounter(const std::string& name, const Labels& labels);
  Gauge* GetGauge(const std::string& name, const Labels& labels);
  Histogram* GetHistogram(const std::string& name, const Labels& labels);
  // Declares a metric's help text (shown once per name in the exposition).
  void Describe(const std::string& name, const std::string& help);
  std::string RenderPrometheus() const;

 private:
  struct Key {
    std::string name;
    Labels labels;
    bool operator<(const Key& o) const {
      return std::tie(name, labels) < std::tie(o.name, o.labels);
    }
  };
  mutable std::mutex mutex_;
  std::map<Key, std::unique_ptr<Counter>> counters_;
  std::map<Key, std::unique_ptr<Gauge>> gauges_;
  std::map<Key, std::unique_ptr<Histogram>> histograms_;
  std::map<std::string, std::string> help_;
};

}  // namespace sluice
