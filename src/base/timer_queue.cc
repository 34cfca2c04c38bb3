#include "base/timer_queue.h"

namespace trunkline::base {

TimerId TimerQueue::schedule(Duration after, Callback cb) {
  if (after < Duration::zero()) after = Duration::zero();
  const TimerId id = nextId_++;
  heap_.push(Entry{clock_.now() + after, id});
  callbacks_.emplace(id, std::move(cb));
  return id;
}

bool TimerQueue::cancel(TimerId id) {
  return callbacks_.erase(id) > 0;
}

void TimerQueue::dropCancelledHead() {
  while (!heap_.empty() && !callbacks_.contains(heap_.top().id)) heap_.pop();
}

std::size_t TimerQueue::runDue() {
  std::size_t ran = 0;
  const MonoTime now = clock_.now();
  for (;;) {
    dropCancelledHead();
    if (heap_.empty() || heap_.top().when > now) break;
    const TimerId id = heap_.top().id;
    heap_.pop();
    auto it = callbacks_.find(id);
    Callback cb = std::move(it->second);
    callbacks_.erase(it);
    cb();
    ++ran;
  }
  return ran;
}

std::optional<MonoTime> TimerQueue::nextDeadline() {
  dropCancelledHead();
  if (heap_.empty()) return std::nullopt;
  return heap_.top().when;
}

}  // namespace trunkline::base
