#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include "common/json_writer.h"

namespace sluice::log {
namespace {

std::atomic<Format> g_format{Format::kText};
std::atomic<Level> g_min_level{Level::kInfo};
std::mutex g_mutex;

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any int the formats could print (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((us / 1000) % 1000));
  return buf;
}

}  // namespace

void SetFormat(Format format) { g_format = format; }
void SetMinLevel(Level level) { g_min_level = level; }
bool Enabled(Level level) { return level >= g_min_level.load(std::memory_order_relaxed); }

void Write(Level level, std::string_view message) {
  std::string line;
  if (g_format == Format::kJson) {
    line = "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" + LevelName(level) + "\",\"msg\":";
    AppendJsonString(message, &line);
    line += "}\n";
  } else {
    line = Timestamp() + " " + LevelName(level) + " " + std::string(message) + "\n";
  }
  std::lock_guard lock(g_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace sluice::log
