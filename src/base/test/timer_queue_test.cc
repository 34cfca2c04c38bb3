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

}  // namespace
}  // namespace trunkline::base
