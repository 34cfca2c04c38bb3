#include "base/timer_queue.h"

#include <algorithm>

namespace trunkline::base {
namespace {
// Below this many heap entries cancelled ones are never swept (the sweep would cost more
// than the entries).
constexpr std::size_t kCompactFloor = 1024;
}  // namespace

TimerId TimerQueue::schedule(Duration after, Callback cb) {
  if (after < Duration::zero()) after = Duration::zero();
  std::uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& slot = slots_[index];
  slot.cb = std::move(cb);
  slot.armed = true;
  ++live_;
  const TimerId id = (static_cast<TimerId>(slot.generation) << 32) | (TimerId{index} + 1);
  // Cancelled entries stay in the heap until they reach the top; when they are the
  // majority of a large heap, sweep them so memory follows the live timers.
  if (heap_.size() >= kCompactFloor && heap_.size() > 2 * live_) compact();
  heap_.push_back(Entry{clock_.now() + after, nextSeq_++, id});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return id;
}

TimerQueue::Slot* TimerQueue::live(TimerId id) {
  const std::uint64_t low = id & 0xffffffffu;
  if (low == 0 || low > slots_.size()) return nullptr;
  Slot& slot = slots_[low - 1];
  if (!slot.armed || slot.generation != static_cast<std::uint32_t>(id >> 32)) return nullptr;
  return &slot;
}

void TimerQueue::release(Slot& slot, std::uint32_t index) {
  slot.armed = false;
  ++slot.generation;
  --live_;
  free_.push_back(index);
}

bool TimerQueue::cancel(TimerId id) {
  Slot* slot = live(id);
  if (slot == nullptr) return false;
  // Destroying the callable may run arbitrary destructors: take it out of the slot first.
  Callback dropped = std::move(slot->cb);
  slot->cb = nullptr;
  release(*slot, static_cast<std::uint32_t>((id & 0xffffffffu) - 1));
  return true;
}

void TimerQueue::dropCancelledHead() {
  while (!heap_.empty() && live(heap_.front().id) == nullptr) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

void TimerQueue::compact() {
  std::erase_if(heap_, [this](const Entry& e) { return live(e.id) == nullptr; });
  std::make_heap(heap_.begin(), heap_.end(), Later{});
}

std::size_t TimerQueue::runDue() {
  std::size_t ran = 0;
  const MonoTime now = clock_.now();
  for (;;) {
    dropCancelledHead();
    if (heap_.empty() || heap_.front().when > now) break;
    const TimerId id = heap_.front().id;
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    Slot* slot = live(id);  // live: dropCancelledHead() checked it
    Callback cb = std::move(slot->cb);
    slot->cb = nullptr;
    // Released before the call: cancel(id) from inside the callback returns false, and the
    // callback may schedule (and so reuse this slot or grow the vector).
    release(*slot, static_cast<std::uint32_t>((id & 0xffffffffu) - 1));
    cb();
    ++ran;
  }
  return ran;
}

std::optional<MonoTime> TimerQueue::nextDeadline() {
  dropCancelledHead();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().when;
}

}  // namespace trunkline::base
