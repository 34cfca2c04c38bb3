#include "net/event_loop.h"

#include <asio/post.hpp>

namespace trunkline::net {

EventLoop::EventLoop(const base::Clock& clock)
    : clock_(clock), work_(asio::make_work_guard(io_)), timers_(clock), wake_(io_) {}

EventLoop::~EventLoop() {
  wake_.cancel();  // timer cancel does not fail in practice (epoll/timerfd bookkeeping only)
}

void EventLoop::post(std::function<void()> fn) {
  asio::post(io_, std::move(fn));
}

base::TimerId EventLoop::schedule(base::Duration after, base::TimerQueue::Callback cb) {
  const base::TimerId id = timers_.schedule(after, std::move(cb));
  rearm();
  return id;
}

void EventLoop::rearm() {
  const std::optional<base::MonoTime> next = timers_.nextDeadline();
  if (next == armed_) return;
  armed_ = next;
  const std::uint64_t gen = ++generation_;
  if (!next) {
    wake_.cancel();
    return;
  }
  base::Duration delay = *next - clock_.now();
  if (delay < base::Duration::zero()) delay = base::Duration::zero();
  wake_.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(delay));
  wake_.async_wait([this, gen](const std::error_code& ec) { onWake(ec, gen); });
}

void EventLoop::onWake(const std::error_code& ec, std::uint64_t generation) {
  if (ec || generation != generation_) return;  // cancelled or superseded
  armed_.reset();
  afterBatch();
}

std::size_t EventLoop::afterBatch() {
  const std::size_t ran = timers_.runDue();
  rearm();
  return ran;
}

void EventLoop::run() {
  thread_.store(std::this_thread::get_id());
  if (stopRequested_.exchange(false)) return;  // stop() came first: honour it
  if (io_.stopped()) io_.restart();
  afterBatch();
  while (!stopRequested_.load(std::memory_order_relaxed)) {
    if (io_.run_one() == 0) break;  // io_context stopped
    io_.poll();                     // the rest of the ready batch
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
    const auto slice =
        std::min<std::chrono::steady_clock::duration>(limit - now, std::chrono::milliseconds(20));
    if (io_.run_one_for(slice) > 0) io_.poll();
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
