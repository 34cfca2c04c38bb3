#pragma once
// TimerQueue: one-shot timers on an injected Clock.
//
// Owned by one event loop (shard) and used only from its thread. The loop asks
// nextDeadline() how long it may sleep and calls runDue() when it wakes; tests do the
// same after ManualClock::advance(). Callbacks may schedule and cancel timers.
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "base/clock.h"

namespace trunkline::base {

using TimerId = std::uint64_t;

class TimerQueue {
 public:
  using Callback = std::function<void()>;

  explicit TimerQueue(const Clock& clock) : clock_(clock) {}
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  /// Runs `cb` once, `after` from now. Returns an id for cancel(); never 0.
  TimerId schedule(Duration after, Callback cb);
  /// Cancels a pending timer; false if it already ran or was cancelled.
  bool cancel(TimerId id);
  /// Runs every timer whose deadline is not after now(), in deadline order
  /// (equal deadlines in scheduling order). Returns how many ran.
  std::size_t runDue();
  /// The earliest pending deadline, if any.
  std::optional<MonoTime> nextDeadline();
  std::size_t pending() const { return callbacks_.size(); }
  const Clock& clock() const { return clock_; }

 private:
  struct Entry {
    MonoTime when;
    TimerId id;
    bool operator>(const Entry& o) const { return when != o.when ? when > o.when : id > o.id; }
  };
  void dropCancelledHead();

  const Clock& clock_;
  TimerId nextId_ = 1;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap_;
  std::unordered_map<TimerId, Callback> callbacks_;
};

}  // namespace trunkline::base
