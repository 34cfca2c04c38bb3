#include "base/timer_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trunkline::base {
namespace {

using std::chrono::milliseconds;

TEST(TimerQueue, FiresInDeadlineOrderOnlyWhenDue) {
  ManualClock clock;
  TimerQueue q(clock);
  std::vector<std::string> fired;
  q.schedule(milliseconds(500), [&] { fired.push_back("b"); });
  q.schedule(milliseconds(100), [&] { fired.push_back("a"); });
  q.schedule(milliseconds(500), [&] { fired.push_back("c"); });  // same deadline: FIFO
  EXPECT_EQ(q.runDue(), 0u);
  clock.advance(milliseconds(99));
  EXPECT_EQ(q.runDue(), 0u);
  clock.advance(milliseconds(1));
  EXPECT_EQ(q.runDue(), 1u);
  EXPECT_EQ(fired, (std::vector<std::string>{"a"}));
  clock.advance(milliseconds(400));
  EXPECT_EQ(q.runDue(), 2u);
  EXPECT_EQ(fired, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(q.pending(), 0u);
  EXPECT_FALSE(q.nextDeadline().has_value());
}

TEST(TimerQueue, CancelPreventsFiringAndUpdatesDeadline) {
  ManualClock clock;
  TimerQueue q(clock);
  int fired = 0;
  auto early = q.schedule(milliseconds(10), [&] { ++fired; });
  q.schedule(milliseconds(20), [&] { ++fired; });
  EXPECT_EQ(*q.nextDeadline(), clock.now() + milliseconds(10));
  EXPECT_TRUE(q.cancel(early));
  EXPECT_FALSE(q.cancel(early));
  EXPECT_EQ(*q.nextDeadline(), clock.now() + milliseconds(20));
  clock.advance(milliseconds(30));
  EXPECT_EQ(q.runDue(), 1u);
  EXPECT_EQ(fired, 1);
}

TEST(TimerQueue, CallbacksMayRescheduleAndCancel) {
  ManualClock clock;
  TimerQueue q(clock);
  int ticks = 0;
  TimerId victim = q.schedule(milliseconds(15), [&] { ticks += 100; });
  std::function<void()> tick = [&] {
    ++ticks;
    if (ticks < 3) q.schedule(milliseconds(10), tick);
    q.cancel(victim);
  };
  q.schedule(milliseconds(10), tick);
  for (int i = 0; i < 5; ++i) {
    clock.advance(milliseconds(10));
    q.runDue();
  }
  EXPECT_EQ(ticks, 3);
}

TEST(TimerQueue, ZeroAndNegativeDelaysRunOnNextPass) {
  ManualClock clock;
  TimerQueue q(clock);
  int fired = 0;
  q.schedule(Duration::zero(), [&] { ++fired; });
  q.schedule(-milliseconds(5), [&] { ++fired; });
  EXPECT_EQ(q.runDue(), 2u);
  EXPECT_EQ(fired, 2);
}

TEST(TimerQueue, StaleIdDoesNotCancelTheSlotsNextTimer) {
  ManualClock clock;
  TimerQueue q(clock);
  int a = 0, b = 0;
  const TimerId first = q.schedule(milliseconds(10), [&] { ++a; });
  EXPECT_TRUE(q.cancel(first));
  const TimerId second = q.schedule(milliseconds(10), [&] { ++b; });  // reuses the slot
  EXPECT_NE(first, second);
  EXPECT_FALSE(q.cancel(first));
  clock.advance(milliseconds(10));
  EXPECT_EQ(q.runDue(), 1u);
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 1);
  EXPECT_FALSE(q.cancel(second));  // it ran
}

TEST(TimerQueue, UnknownIdsAreRefused) {
  ManualClock clock;
  TimerQueue q(clock);
  const TimerId id = q.schedule(milliseconds(1), [] {});
  EXPECT_FALSE(q.cancel(0));
  EXPECT_FALSE(q.cancel(id + 1));
  EXPECT_FALSE(q.cancel(~TimerId{0}));
  EXPECT_FALSE(q.cancel(id ^ (TimerId{1} << 32)));  // right slot, wrong generation
  EXPECT_EQ(q.pending(), 1u);
}

TEST(TimerQueue, CallbackCannotCancelItselfButMayReuseItsSlot) {
  ManualClock clock;
  TimerQueue q(clock);
  TimerId self = 0;
  bool cancelledSelf = true;
  int later = 0;
  self = q.schedule(milliseconds(1), [&] {
    cancelledSelf = q.cancel(self);
    q.schedule(milliseconds(1), [&] { ++later; });
  });
  clock.advance(milliseconds(1));
  EXPECT_EQ(q.runDue(), 1u);
  EXPECT_FALSE(cancelledSelf);
  EXPECT_EQ(q.pending(), 1u);
  clock.advance(milliseconds(1));
  EXPECT_EQ(q.runDue(), 1u);
  EXPECT_EQ(later, 1);
}

// Many long timers cancelled early (the usual fate of transaction timeouts) among a few
// that must still fire, in order, at their time.
TEST(TimerQueue, ManyCancellationsKeepOrderAndCount) {
  ManualClock clock;
  TimerQueue q(clock);
  std::vector<int> fired;
  std::vector<TimerId> doomed;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 200; ++i) doomed.push_back(q.schedule(milliseconds(32000), [] {}));
    const int tag = round;
    q.schedule(milliseconds(1000 + 10 * (49 - round)), [&fired, tag] { fired.push_back(tag); });
    for (TimerId id : doomed) EXPECT_TRUE(q.cancel(id));
    doomed.clear();
  }
  EXPECT_EQ(q.pending(), 50u);
  EXPECT_EQ(*q.nextDeadline(), clock.now() + milliseconds(1000));
  clock.advance(milliseconds(1490));
  EXPECT_EQ(q.runDue(), 50u);
  ASSERT_EQ(fired.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(fired[static_cast<std::size_t>(i)], 49 - i);
  EXPECT_EQ(q.pending(), 0u);
  EXPECT_FALSE(q.nextDeadline().has_value());
}

}  // namespace
}  // namespace trunkline::base
