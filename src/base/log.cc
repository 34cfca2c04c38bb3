#include "base/log.h"

#include <cstdio>

#ifdef TL_HAVE_SPDLOG
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#endif

namespace trunkline::base {
namespace {
std::atomic<LogLevel> gLevel{LogLevel::Info};

#ifdef TL_HAVE_SPDLOG
spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto lg = spdlog::stderr_color_mt("trunkline");
    lg->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    lg->set_level(spdlog::level::trace);
    lg->flush_on(spdlog::level::info);
    return lg;
  }();
  return *l;
}
#endif
}  // namespace

void setLogLevel(LogLevel level) {
  gLevel.store(level, std::memory_order_relaxed);
}
LogLevel logLevel() {
  return gLevel.load(std::memory_order_relaxed);
}

bool parseLogLevel(std::string_view t, LogLevel& out) {
  if (t == "trace")
    out = LogLevel::Trace;
  else if (t == "debug")
    out = LogLevel::Debug;
  else if (t == "info")
    out = LogLevel::Info;
  else if (t == "warn" || t == "warning")
    out = LogLevel::Warn;
  else if (t == "error")
    out = LogLevel::Error;
  else if (t == "off")
    out = LogLevel::Off;
  else
    return false;
  return true;
}

void logLine(LogLevel level, std::string_view line) {
#ifdef TL_HAVE_SPDLOG
  spdlog::level::level_enum l = spdlog::level::info;
  switch (level) {
    case LogLevel::Trace: l = spdlog::level::trace; break;
    case LogLevel::Debug: l = spdlog::level::debug; break;
    case LogLevel::Info: l = spdlog::level::info; break;
    case LogLevel::Warn: l = spdlog::level::warn; break;
    case LogLevel::Error: l = spdlog::level::err; break;
    case LogLevel::Off: return;
  }
  logger().log(l, "{}", line);
#else
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
#endif
}

bool RateLimiter::allow(std::uint64_t& suppressed) {
  const std::int64_t now = clock_.now().time_since_epoch().count();
  std::int64_t start = windowStart_.load(std::memory_order_relaxed);
  if (start == kUnset || now - start >= interval_.count()) {
    if (windowStart_.compare_exchange_strong(start, now, std::memory_order_relaxed)) {
      used_.store(0, std::memory_order_relaxed);
    }
  }
  if (used_.fetch_add(1, std::memory_order_relaxed) < burst_) {
    suppressed = suppressed_.exchange(0, std::memory_order_relaxed);
    return true;
  }
  suppressed_.fetch_add(1, std::memory_order_relaxed);
  suppressed = 0;
  return false;
}

}  // namespace trunkline::base
