#pragma once
// Injectable time. Nothing in Trunkline reads the clock directly: it is handed a Clock,
// so that timers (RFC 3261 A-K, session timers, probes) are tested by advancing a
// ManualClock instead of sleeping.
#include <chrono>
#include <cstdint>

namespace trunkline::base {

using Duration = std::chrono::nanoseconds;
/// Monotonic time since an arbitrary epoch (steady_clock in production).
using MonoTime = std::chrono::time_point<std::chrono::steady_clock, Duration>;
/// Wall-clock time (for CDR timestamps only; never for timers).
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;

/// Source of time. Thread-safe implementations only; one instance is shared by a process.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime now() const = 0;
  virtual WallTime wallNow() const = 0;
};

/// The real clocks.
class SystemClock final : public Clock {
 public:
  MonoTime now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
  }
  WallTime wallNow() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
};

/// A clock that moves only when told to. For tests; not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(MonoTime start = MonoTime{std::chrono::seconds(1000)},
                       WallTime wallStart = WallTime{std::chrono::seconds(1'700'000'000)})
      : now_(start), wall_(wallStart) {}
  MonoTime now() const override { return now_; }
  WallTime wallNow() const override { return wall_; }
  void advance(Duration d) {
    now_ += d;
    wall_ += d;
  }

 private:
  MonoTime now_;
  WallTime wall_;
};

}  // namespace trunkline::base
