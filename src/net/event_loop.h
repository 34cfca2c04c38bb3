#pragma once
// EventLoop: one per shard thread. Owns an asio::io_context and the shard's base::TimerQueue.
//
// Thread affinity: everything except post() and stop() must be called on the loop thread
// (the thread inside run()/poll()/runUntil(); before the first run, the constructing thread).
// Objects driven by a loop (sockets, connections, timers) live on that loop's thread only;
// other threads talk to them by post().
//
// Time: timers run on the injected base::Clock. Before each wait the loop asks the queue
// for its next deadline and waits for I/O at most that long (the reactor's epoll_wait
// timeout, millisecond granularity, never early), so no timer file descriptor is re-armed
// as the earliest deadline moves, and a timer's expiry costs no wake-up of its own.
// TimerQueue::runDue() decides what is due, so a ManualClock in tests fires timers on
// advance() + poll() without sleeping. After every batch of I/O handlers the loop runs due
// timers, so timers scheduled from handlers through timers() directly are picked up too.
//
// Lifetime: outlives everything registered on it. Destroying it drops pending handlers
// without running them.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <thread>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include "base/clock.h"
#include "base/timer_queue.h"

namespace trunkline::net {

class EventLoop {
 public:
  explicit EventLoop(const base::Clock& clock);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  asio::io_context& io() { return io_; }
  base::TimerQueue& timers() { return timers_; }
  const base::Clock& clock() const { return clock_; }

  /// Runs `fn` on the loop thread, soon. Thread-safe.
  void post(std::function<void()> fn);
  /// Runs `cb` once after `after` (loop clock). Loop thread.
  base::TimerId schedule(base::Duration after, base::TimerQueue::Callback cb);
  bool cancel(base::TimerId id) { return timers_.cancel(id); }

  /// Runs until stop(). Loop thread (becomes it).
  void run();
  /// Makes the current run() return after the current handler, or the next run() return
  /// at once if none is running. Thread-safe.
  void stop();
  /// Runs ready handlers and due timers without blocking; returns handlers + timers run.
  std::size_t poll();
  /// Runs until `done()` is true or `realLimit` of real time has passed; returns done().
  /// For tests and tools: bounded waits for I/O, never timing assertions.
  bool runUntil(const std::function<bool()>& done,
                std::chrono::milliseconds realLimit = std::chrono::seconds(10));

  /// True on the thread currently running the loop (or before it ever ran).
  bool inLoopThread() const;

 private:
  std::size_t afterBatch();
  /// How long the next wait may block: until the next timer deadline (nullopt: no timer).
  std::optional<std::chrono::steady_clock::duration> untilNextTimer();

  const base::Clock& clock_;
  asio::io_context io_{1};  // concurrency hint 1: one thread per loop
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  base::TimerQueue timers_;
  std::atomic<bool> stopRequested_{false};
  std::atomic<std::thread::id> thread_{};
};

}  // namespace trunkline::net
