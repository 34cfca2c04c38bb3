#include "fraud/cps_limiter.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace trunkline::fraud {
namespace {

using namespace std::chrono_literals;

int admitsNow(CpsLimiter& lim, TrunkId trunk, std::uint32_t cps, int tries) {
  int n = 0;
  for (int i = 0; i < tries; ++i) n += lim.tryAcquire(trunk, cps) ? 1 : 0;
  return n;
}

TEST(CpsLimiter, BurstUpToTheLimitThenRefused) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 10, 50), 10);
  EXPECT_EQ(lim.admitted(), 10u);
  EXPECT_EQ(lim.refused(), 40u);
}

TEST(CpsLimiter, ExactAdmitsPerSimulatedSecond) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 5, 100), 5);
  for (int second = 0; second < 10; ++second) {
    clock.advance(1s);
    EXPECT_EQ(admitsNow(lim, 1, 5, 100), 5) << second;
  }
}

TEST(CpsLimiter, RefillsContinuously) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 4, 10), 4);
  clock.advance(249ms);
  EXPECT_FALSE(lim.tryAcquire(1, 4));
  clock.advance(1ms);  // 250 ms at 4/s = one token
  EXPECT_TRUE(lim.tryAcquire(1, 4));
  EXPECT_FALSE(lim.tryAcquire(1, 4));
  // Spread evenly: a call every 250 ms is always admitted.
  for (int i = 0; i < 40; ++i) {
    clock.advance(250ms);
    EXPECT_TRUE(lim.tryAcquire(1, 4)) << i;
  }
}

TEST(CpsLimiter, NeverStoresMoreThanOneSecondOfTokens) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 3, 10), 3);
  clock.advance(std::chrono::hours(5));
  EXPECT_EQ(admitsNow(lim, 1, 3, 10), 3);
}

TEST(CpsLimiter, RetryAfterSuggestion) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 2, 2), 2);
  std::uint32_t retry = 0;
  EXPECT_FALSE(lim.tryAcquire(1, 2, &retry));
  EXPECT_EQ(retry, 1u);  // 500 ms to the next token, rounded up
  // With a fractional limit-per-second there is no such thing, but 1 cps after a burst:
  EXPECT_TRUE(lim.tryAcquire(2, 1));
  clock.advance(100ms);
  EXPECT_FALSE(lim.tryAcquire(2, 1, &retry));
  EXPECT_EQ(retry, 1u);
}

TEST(CpsLimiter, ZeroIsUnlimitedAndTrunksAreIndependent) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 0, 1000), 1000);
  EXPECT_EQ(admitsNow(lim, 2, 1, 5), 1);
  EXPECT_EQ(admitsNow(lim, 3, 1, 5), 1);
}

TEST(CpsLimiter, LimitChangeTakesEffect) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 100, 10), 10);  // 90 tokens left
  EXPECT_EQ(admitsNow(lim, 1, 5, 100), 5);    // capped at the new capacity
  clock.advance(1s);
  EXPECT_EQ(admitsNow(lim, 1, 5, 100), 5);
}

TEST(CpsLimiter, TimeGoingBackDoesNotRefill) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  auto t0 = clock.now();
  EXPECT_EQ(admitsNow(lim, 1, 1, 3), 1);
  EXPECT_FALSE(lim.tryAcquire(1, 1, t0 - 5s));
  EXPECT_FALSE(lim.tryAcquire(1, 1, t0 + 999ms));
  EXPECT_TRUE(lim.tryAcquire(1, 1, t0 + 1s));
}

TEST(CpsLimiter, ForgetStartsAFullBucket) {
  base::ManualClock clock;
  CpsLimiter lim(clock);
  EXPECT_EQ(admitsNow(lim, 1, 2, 5), 2);
  lim.forget(1);
  EXPECT_EQ(admitsNow(lim, 1, 2, 5), 2);
}

TEST(CpsLimiter, ExactUnderConcurrencyAtOneInstant) {
  base::ManualClock clock;  // not advanced while threads run
  CpsLimiter lim(clock);
  constexpr int kThreads = 8;
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5000; ++i)
        if (lim.tryAcquire(1, 1000, clock.now())) admitted.fetch_add(1);
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(admitted.load(), 1000);
  EXPECT_EQ(lim.admitted(), 1000u);
  EXPECT_EQ(lim.refused(), static_cast<std::uint64_t>(kThreads) * 5000 - 1000);
}

}  // namespace
}  // namespace trunkline::fraud
