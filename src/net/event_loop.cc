#include "net/event_loop.h"

#include <asio/post.hpp>

namespace trunkline::net {

EventLoop::EventLoop(const base::Clock& clock)
    : clock_(clock), work_(asio::make_work_guard(io_)), timers_(clock) {}

EventLoop::~EventLoop() = default;

void EventLoop::post(std::function<void()> fn) {
  asio::post(io_, std::move(fn));
}

base::TimerId EventLoop::schedule(base::Duration after, base::TimerQueue::Callback cb) {
  // The loop thread computes its wait from the queue before blocking again: nothing to arm.
  return timers_.schedule(after, std::move(cb));
}

std::optional<std::chrono::steady_clock::duration> EventLoop::untilNextTimer() {
  const std::optional<base::MonoTime> next = timers_.nextDeadline();
  if (!next) return std::nullopt;
  base::Duration delay = *next - clock_.now();
  if (delay < base::Duration::zero()) delay = base::Duration::zero();
  // Rounded up: waking a little late is harmless, waking early only costs a spin.
  return std::chrono::ceil<std::chrono::microseconds>(delay);
}

std::size_t EventLoop::afterBatch() {
  return timers_.runDue();
}

void EventLoop::run() {
  thread_.store(std::this_thread::get_id());
  if (stopRequested_.exchange(false)) return;  // stop() came first: honour it
  if (io_.stopped()) io_.restart();
  afterBatch();
  while (!stopRequested_.load(std::memory_order_relaxed)) {
    // One handler per turn (a UDP socket's handler drains its whole receive batch), then
    // the due timers. No poll() of "the rest of the batch": asio's poll() ends with a
    // non-blocking epoll_wait, one extra system call per wake-up; the next turn's wait
    // returns at once if more is ready.
    const auto wait = untilNextTimer();
    if (!wait) {
      io_.run_one();  // blocks; returns 0 only when the io_context was stopped
    } else if (*wait > std::chrono::steady_clock::duration::zero()) {
      io_.run_one_for(*wait);  // also returns 0 at the deadline
    } else {
      io_.poll_one();  // a timer is due: I/O that is ready still gets its turn
    }
    if (io_.stopped()) break;
    afterBatch();
  }
  stopRequested_.store(false);  // the next run() runs again
}

void EventLoop::stop() {
  stopRequested_.store(true);
  io_.stop();
}

std::size_t EventLoop::poll() {
  thread_.store(std::this_thread::get_id());
  if (io_.stopped()) io_.restart();
  std::size_t n = afterBatch();
  n += io_.poll();
  n += afterBatch();
  return n;
}

bool EventLoop::runUntil(const std::function<bool()>& done, std::chrono::milliseconds realLimit) {
  thread_.store(std::this_thread::get_id());
  if (io_.stopped()) io_.restart();
  const auto limit = std::chrono::steady_clock::now() + realLimit;
  afterBatch();
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= limit) return false;
    auto slice =
        std::min<std::chrono::steady_clock::duration>(limit - now, std::chrono::milliseconds(20));
    if (const auto timer = untilNextTimer()) slice = std::min(slice, *timer);
    if (slice > std::chrono::steady_clock::duration::zero()) {
      if (io_.run_one_for(slice) > 0) io_.poll();
    } else {
      io_.poll();
    }
    afterBatch();
    if (io_.stopped()) io_.restart();
  }
  return true;
}

bool EventLoop::inLoopThread() const {
  const std::thread::id t = thread_.load();
  return t == std::thread::id{} || t == std::this_thread::get_id();
}

}  // namespace trunkline::net
