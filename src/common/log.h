#pragma once
// Logging to stderr, as text or JSON lines (server.log_format). Thread-safe.
// Use: SLUICE_LOG_INFO("sink {} delivered {} messages", name, n);
#include <fmt/format.h>

#include <string_view>

namespace sluice::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

void SetFormat(Format format);
void SetMinLevel(Level level);
bool Enabled(Level level);
void Write(Level level, std::string_view message);

template <typename... Args>
void Log(Level level, fmt::format_string<Args...> fmt_str, Args&&... args) {
  if (!Enabled(level)) return;
  Write(level, fmt::format(fmt_str, std::forward<Args>(args)...));
}

}  // namespace sluice::log

#define SLUICE_LOG_DEBUG(...) ::sluice::log::Log(::sluice::log::Level::kDebug, __VA_ARGS__)
#define SLUICE_LOG_INFO(...) ::sluice::log::Log(::sluice::log::Level::kInfo, __VA_ARGS__)
#define SLUICE_LOG_WARN(...) ::sluice::log::Log(::sluice::log::Level::kWarn, __VA_ARGS__)
#define SLUICE_LOG_ERROR(...) ::sluice::log::Log(::sluice::log::Level::kError, __VA_ARGS__)
