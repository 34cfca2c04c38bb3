#pragma once
// Logging facade: structured, levelled lines through spdlog (stderr by default).
// Hot paths use RateLimiter so that a flood of bad packets cannot flood the log.
#include <atomic>
#include <cstdint>
#include <string_view>

#include <fmt/format.h>

#include "base/clock.h"

namespace trunkline::base {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };

void setLogLevel(LogLevel level);
LogLevel logLevel();
bool parseLogLevel(std::string_view text, LogLevel& out);
void logLine(LogLevel level, std::string_view line);

template <class... Args>
void log(LogLevel level, fmt::format_string<Args...> f, Args&&... args) {
  if (level < logLevel()) return;
  logLine(level, fmt::format(f, std::forward<Args>(args)...));
}

/// Allows at most `burst` events per `interval`; counts what it suppressed so the next
/// allowed line can say so. Thread-safe (atomics), lock-free.
class RateLimiter {
 public:
  RateLimiter(const Clock& clock, Duration interval, std::uint32_t burst)
      : clock_(clock), interval_(interval), burst_(burst) {}
  /// True if this event may be logged; `suppressed` receives how many were dropped since.
  bool allow(std::uint64_t& suppressed);

 private:
  const Clock& clock_;
  Duration interval_;
  std::uint32_t burst_;
  static constexpr std::int64_t kUnset = INT64_MIN;
  std::atomic<std::int64_t> windowStart_{kUnset};
  std::atomic<std::uint32_t> used_{0};
  std::atomic<std::uint64_t> suppressed_{0};
};

}  // namespace trunkline::base

#define TL_LOG_TRACE(...) ::trunkline::base::log(::trunkline::base::LogLevel::Trace, __VA_ARGS__)
#define TL_LOG_DEBUG(...) ::trunkline::base::log(::trunkline::base::LogLevel::Debug, __VA_ARGS__)
#define TL_LOG_INFO(...) ::trunkline::base::log(::trunkline::base::LogLevel::Info, __VA_ARGS__)
#define TL_LOG_WARN(...) ::trunkline::base::log(::trunkline::base::LogLevel::Warn, __VA_ARGS__)
#define TL_LOG_ERROR(...) ::trunkline::base::log(::trunkline::base::LogLevel::Error, __VA_ARGS__)
