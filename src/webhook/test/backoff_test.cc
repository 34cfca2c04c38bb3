#include "webhook/backoff.h"

#include <gtest/gtest.h>

namespace trunkline::webhook {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, FollowsTheScheduleWithoutJitter) {
  RetryPolicy p;
  p.jitter = 0;
  std::mt19937_64 rng(1);
  const std::int64_t created = 1'000'000;
  EXPECT_EQ(nextAttemptMs(p, 0, created, created, rng), created);
  const std::int64_t expected[] = {1'000,     5'000,     30'000,    120'000,   600'000,
                                   1'800'000, 3'600'000, 7'200'000, 14'400'000};
  for (std::uint32_t n = 1; n <= 9; ++n)
    EXPECT_EQ(nextAttemptMs(p, n, created, created, rng), created + expected[n - 1]) << n;
  EXPECT_EQ(nextAttemptMs(p, 10, created, created, rng), std::nullopt);  // maxAttempts
}

TEST(Backoff, JitterStaysWithinItsBandAndVaries) {
  RetryPolicy p;  // ±20 %
  std::mt19937_64 rng(42);
  std::int64_t lo = INT64_MAX, hi = 0;
  for (int i = 0; i < 500; ++i) {
    auto n = nextAttemptMs(p, 3, 0, 0, rng);
    ASSERT_TRUE(n);
    lo = std::min(lo, *n);
    hi = std::max(hi, *n);
  }
  EXPECT_GE(lo, 24'000);
  EXPECT_LE(hi, 36'000);
  EXPECT_LT(lo, 27'000);  // spread, not a constant
  EXPECT_GT(hi, 33'000);
}

TEST(Backoff, GivesUpPastMaxAge) {
  RetryPolicy p;
  p.jitter = 0;
  p.maxAge = 1h;
  std::mt19937_64 rng(1);
  // Created 59 min ago: a 2 min step would land past the hour.
  const std::int64_t now = 59 * 60'000;
  EXPECT_EQ(nextAttemptMs(p, 4, 0, now, rng), std::nullopt);
  EXPECT_TRUE(nextAttemptMs(p, 2, 0, now, rng));  // 5 s still fits
}

TEST(Backoff, LastStepRepeatsWhenAttemptsOutnumberSteps) {
  RetryPolicy p;
  p.jitter = 0;
  p.delays = {1s, 2s};
  p.maxAttempts = 5;
  std::mt19937_64 rng(1);
  EXPECT_EQ(nextAttemptMs(p, 4, 0, 0, rng), 2'000);
  EXPECT_EQ(nextAttemptMs(p, 5, 0, 0, rng), std::nullopt);
}

}  // namespace
}  // namespace trunkline::webhook
