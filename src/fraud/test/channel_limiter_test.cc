#include "fraud/channel_limiter.h"

#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace trunkline::fraud {
namespace {

TEST(ChannelLimiter, RefusesTheCallOverTheLimitAndAdmitsAgainAfterRelease) {
  ChannelLimiter lim;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(lim.tryAcquire(7, 3)) << i;
  EXPECT_FALSE(lim.tryAcquire(7, 3));
  EXPECT_EQ(lim.active(7), 3u);
  lim.release(7);
  EXPECT_EQ(lim.active(7), 2u);
  EXPECT_TRUE(lim.tryAcquire(7, 3));
  EXPECT_FALSE(lim.tryAcquire(7, 3));
  EXPECT_EQ(lim.admitted(), 4u);
  EXPECT_EQ(lim.refused(), 2u);
}

TEST(ChannelLimiter, TrunksAreIndependent) {
  ChannelLimiter lim;
  EXPECT_TRUE(lim.tryAcquire(1, 1));
  EXPECT_FALSE(lim.tryAcquire(1, 1));
  EXPECT_TRUE(lim.tryAcquire(2, 1));
  EXPECT_EQ(lim.active(3), 0u);
}

TEST(ChannelLimiter, ZeroLimitIsUnlimitedButCounted) {
  ChannelLimiter lim;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(lim.tryAcquire(5, 0));
  EXPECT_EQ(lim.active(5), 1000u);
}

TEST(ChannelLimiter, ALoweredLimitRefusesUntilBelowIt) {
  ChannelLimiter lim;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(lim.tryAcquire(1, 5));
  EXPECT_FALSE(lim.tryAcquire(1, 2));  // the configuration changed to 2
  lim.release(1);
  lim.release(1);
  lim.release(1);
  EXPECT_FALSE(lim.tryAcquire(1, 2));
  lim.release(1);
  EXPECT_TRUE(lim.tryAcquire(1, 2));
}

TEST(ChannelLimiter, ExtraReleaseIsABugNotAnUnderflow) {
  ChannelLimiter lim;
  lim.release(9);
  EXPECT_EQ(lim.active(9), 0u);
  EXPECT_TRUE(lim.tryAcquire(9, 1));
  EXPECT_FALSE(lim.tryAcquire(9, 1));
}

TEST(ChannelGuard, ReleasesOnceWhenDestroyedOrMoved) {
  ChannelLimiter lim;
  {
    ASSERT_TRUE(lim.tryAcquire(4, 1));
    ChannelGuard g(lim, 4);
    ChannelGuard moved = std::move(g);
    EXPECT_FALSE(g);
    EXPECT_TRUE(moved);
    EXPECT_EQ(lim.active(4), 1u);
  }
  EXPECT_EQ(lim.active(4), 0u);
}

TEST(ChannelLimiter, ExactUnderConcurrency) {
  ChannelLimiter lim;
  constexpr int kThreads = 8;
  constexpr int kTries = 20000;
  constexpr std::uint32_t kLimit = 50;
  std::atomic<int> admitted{0};
  std::atomic<std::uint32_t> maxSeen{0};
  std::atomic<int> inUse{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kTries; ++i) {
        if (!lim.tryAcquire(1, kLimit)) continue;
        admitted.fetch_add(1);
        int now = inUse.fetch_add(1) + 1;
        auto seen = maxSeen.load();
        while (static_cast<std::uint32_t>(now) > seen &&
               !maxSeen.compare_exchange_weak(seen, static_cast<std::uint32_t>(now))) {
        }
        inUse.fetch_sub(1);
        lim.release(1);
      }
    });
  }
  // A second group keeps all channels of trunk 2 and checks exactly kLimit were given.
  std::atomic<int> held{0};
  std::vector<std::thread> grabbers;
  for (int t = 0; t < kThreads; ++t) {
    grabbers.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        if (lim.tryAcquire(2, kLimit)) held.fetch_add(1);
    });
  }
  for (auto& th : threads) th.join();
  for (auto& th : grabbers) th.join();
  EXPECT_LE(maxSeen.load(), kLimit);
  EXPECT_EQ(lim.active(1), 0u);
  EXPECT_EQ(held.load(), static_cast<int>(kLimit));
  EXPECT_EQ(lim.active(2), kLimit);
  EXPECT_EQ(lim.admitted() + lim.refused(), static_cast<std::uint64_t>(kThreads) * (kTries + 1000));
  EXPECT_EQ(lim.admitted(), static_cast<std::uint64_t>(admitted.load()) + kLimit);
}

}  // namespace
}  // namespace trunkline::fraud
