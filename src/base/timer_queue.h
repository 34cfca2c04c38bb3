#pragma once
// TimerQueue: one-shot timers on an injected Clock.
//
// Owned by one event loop (shard) and used only from its thread. The loop asks
// nextDeadline() how long it may sleep and calls runDue() when it wakes; tests do the
// same after ManualClock::advance(). Callbacks may schedule and cancel timers.
//
// Cost: a signalling shard schedules and cancels several timers per transaction (tens of
// thousands pending at a few hundred calls per second, most of them 32 s waits that are
// cancelled or expire unnoticed), so schedule() and cancel() do no hashing and, for
// callables of up to 16 trivially copyable bytes (std::function's inline buffer), no
// allocation: a timer lives in a reusable slot of a vector, its id names the slot and the
// slot's generation, and the deadline heap drops cancelled entries lazily (compacted when
// they outnumber the live ones).
#include <cstdint>
#include <functional>
#include <optional>
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
  /// Cancels a pending timer; false if it already ran or was cancelled (or `id` is 0 or
  /// not one of ours).
  bool cancel(TimerId id);
  /// Runs every timer whose deadline is not after now(), in deadline order
  /// (equal deadlines in scheduling order). Returns how many ran.
  std::size_t runDue();
  /// The earliest pending deadline, if any.
  std::optional<MonoTime> nextDeadline();
  std::size_t pending() const { return live_; }
  const Clock& clock() const { return clock_; }

 private:
  // An id is (generation << 32) | (slot index + 1). A slot's generation moves on every time
  // its timer runs or is cancelled, so an old id never names the slot's next timer (until
  // the 32-bit generation of that one slot wraps, after 4 billion reuses).
  struct Slot {
    Callback cb;
    std::uint32_t generation = 0;
    bool armed = false;
  };
  struct Entry {
    MonoTime when;
    std::uint64_t seq;  // scheduling order, for equal deadlines
    TimerId id;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const {
      return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
  };
  Slot* live(TimerId id);
  void release(Slot& slot, std::uint32_t index);
  void dropCancelledHead();
  void compact();

  const Clock& clock_;
  std::uint64_t nextSeq_ = 0;
  std::size_t live_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;  // indexes of unarmed slots
  std::vector<Entry> heap_;          // min-heap by (when, seq); may hold cancelled entries
};

}  // namespace trunkline::base
