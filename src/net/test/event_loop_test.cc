#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace trunkline::net {
namespace {

using namespace std::chrono_literals;

TEST(EventLoop, PostFromAnotherThreadRunsOnLoop) {
  base::SystemClock clock;
  EventLoop loop(clock);
  std::atomic<int> ran{0};
  std::thread::id seen;
  std::thread t([&] {
    loop.post([&] {
      seen = std::this_thread::get_id();
      ++ran;
    });
  });
  t.join();
  ASSERT_TRUE(loop.runUntil([&] { return ran == 1; }));
  EXPECT_EQ(seen, std::this_thread::get_id());
}

TEST(EventLoop, TimersFollowTheInjectedClock) {
  base::ManualClock clock;
  EventLoop loop(clock);
  int fired = 0;
  loop.schedule(5s, [&] { ++fired; });
  loop.schedule(10s, [&] { ++fired; });
  loop.poll();
  EXPECT_EQ(fired, 0);
  clock.advance(5s);
  loop.poll();
  EXPECT_EQ(fired, 1);
  clock.advance(5s);
  loop.poll();
  EXPECT_EQ(fired, 2);
}

TEST(EventLoop, TimersScheduledDirectlyFromHandlersArePickedUp) {
  base::ManualClock clock;
  EventLoop loop(clock);
  int fired = 0;
  loop.post([&] { loop.timers().schedule(1s, [&] { ++fired; }); });
  loop.poll();
  clock.advance(1s);
  loop.poll();
  EXPECT_EQ(fired, 1);
}

TEST(EventLoop, RealClockTimerWakesTheLoop) {
  base::SystemClock clock;
  EventLoop loop(clock);
  bool fired = false;
  base::TimerId id = loop.schedule(1ms, [&] { fired = true; });
  EXPECT_NE(id, 0u);
  EXPECT_TRUE(loop.runUntil([&] { return fired; }));
}

// run() waits for I/O only until the next deadline: a timer scheduled from a handler with
// a deadline earlier than the one run() was waiting for still fires on time (the test is
// bounded by a watchdog that stops the loop after 10 s and makes it fail).
TEST(EventLoop, RunWakesForTheEarliestTimerScheduledFromAHandler) {
  base::SystemClock clock;
  EventLoop loop(clock);
  std::atomic<bool> watchdog{false};
  bool early = false;
  bool late = false;
  loop.schedule(60s, [&] { late = true; });
  loop.post([&] {
    loop.timers().schedule(2ms, [&] {
      early = true;
      loop.stop();
    });
  });
  std::atomic<bool> done{false};
  std::thread guard([&] {
    for (int i = 0; i < 1000 && !done; ++i) std::this_thread::sleep_for(10ms);
    if (!done) {
      watchdog = true;
      loop.stop();
    }
  });
  loop.run();
  done = true;
  guard.join();
  EXPECT_FALSE(watchdog);
  EXPECT_TRUE(early);
  EXPECT_FALSE(late);
  EXPECT_EQ(loop.timers().pending(), 1u);
}

TEST(EventLoop, CancelledTimerDoesNotRun) {
  base::ManualClock clock;
  EventLoop loop(clock);
  bool fired = false;
  auto id = loop.schedule(1s, [&] { fired = true; });
  EXPECT_TRUE(loop.cancel(id));
  clock.advance(2s);
  loop.poll();
  EXPECT_FALSE(fired);
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
  base::SystemClock clock;
  EventLoop loop(clock);
  std::atomic<bool> started{false};
  loop.post([&] { started = true; });
  std::thread t([&] {
    while (!started) std::this_thread::yield();
    loop.stop();
  });
  loop.run();  // returns once stop() is called
  t.join();
  EXPECT_TRUE(started);
}

TEST(EventLoop, StopBeforeRunIsHonouredOnceThenRunWorksAgain) {
  base::SystemClock clock;
  EventLoop loop(clock);
  loop.stop();
  loop.run();  // returns at once
  bool ran = false;
  loop.post([&] {
    ran = true;
    loop.stop();
  });
  loop.run();  // runs the handler, which stops it
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace trunkline::net
