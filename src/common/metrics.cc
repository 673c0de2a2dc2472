#include "common/metrics.h"

#include <fmt/format.h>

#include <tuple>

namespace sluice {
namespace {

std::string LabelText(const Labels& labels, const std::string& extra = "") {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ",";
    out += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

}  // namespace

const std::vector<double>& Histogram::Bounds() {
  static const std::vector<double> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                              0.25,  0.5,    1,     2.5,  5,     10,   30, 60};
  return kBounds;
}

Histogram::Histogram() : buckets_(Bounds().size() + 1) {}

void Histogram::Observe(double seconds) {
  const auto& bounds = Bounds();
  size_t i = 0;
  while (i < bounds.size() && seconds > bounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<int64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::vector<int64_t> Histogram::BucketCounts() const {
  std::vector<int64_t> out;
  int64_t running = 0;
  for (const auto& b : buckets_) {
    running += b.load(std::memory_order_relaxed);
    out.push_back(running);
  }
  return out;
}

double Histogram::sum() const { return sum_us_.load(std::memory_order_relaxed) / 1e6; }

double Histogram::Quantile(double q) const {
  auto counts = BucketCounts();
  int64_t total = counts.back();
  if (total == 0) return 0;
  const auto& bounds = Bounds();
  double target = q * static_cast<double>(total);
  for (size_t i = 0; i < counts.size(); ++i) {
    if (static_cast<double>(counts[i]) >= target) return i < bounds.size() ? bounds[i] : bounds.back();
  }
  return bounds.back();
}

Metrics& Metrics::Global() {
  static Metrics* metrics = new Metrics();  // never destroyed: pointers handed out stay valid
  return *metrics;
}

Counter* Metrics::GetCounter(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = counters_[Key{name, labels}];
  if (!slot) slot = std::make_unique<Counter>();
  return slot.get();
}

Gauge* Metrics::GetGauge(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = gauges_[Key{name, labels}];
  if (!slot) slot = std::make_unique<Gauge>();
  return slot.get();
}

Histogram* Metrics::GetHistogram(const std::string& name, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = histograms_[Key{name, labels}];
  if (!slot) slot = std::make_unique<Histogram>();
  return slot.get();
}

void Metrics::Describe(const std::string& name, const std::string& help) {
  std::lock_guard lock(mutex_);
  help_[name] = help;
}

std::string Metrics::RenderPrometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  std::string last_name;
  auto header = [&](const std::string& name, const char* type) {
    if (name == last_name) return;
    last_name = name;
    auto it = help_.find(name);
    if (it != help_.end()) out += fmt::format("# HELP {} {}\n", name, it->second);
    out += fmt::format("# TYPE {} {}\n", name, type);
  };
  for (const auto& [key, c] : counters_) {
    header(key.name, "counter");
    out += fmt::format("{}{} {}\n", key.name, LabelText(key.labels), c->value());
  }
  for (const auto& [key, g] : gauges_) {
    header(key.name, "gauge");
    out += fmt::format("{}{} {}\n", key.name, LabelText(key.labels), g->value());
  }
  for (const auto& [key, h] : histograms_) {
    header(key.name, "histogram");
    auto counts = h->BucketCounts();
    const auto& bounds = Histogram::Bounds();
    for (size_t i = 0; i < counts.size(); ++i) {
      std::string le = i < bounds.size() ? fmt::format("le=\"{}\"", bounds[i]) : "le=\"+Inf\"";
      out += fmt::format("{}_bucket{} {}\n", key.name, LabelText(key.labels, le), counts[i]);
    }
    out += fmt::format("{}_sum{} {}\n", key.name, LabelText(key.labels), h->sum());
    out += fmt::format("{}_count{} {}\n", key.name, LabelText(key.labels), h->count());
  }
  return out;
}

}  // namespace sluice
