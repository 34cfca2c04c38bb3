#include <gtest/gtest.h>

#include "base/log.h"

namespace trunkline::base {
namespace {

TEST(RateLimiter, AllowsBurstPerIntervalAndReportsSuppressed) {
  ManualClock clock;
  RateLimiter rl(clock, std::chrono::seconds(1), 3);
  std::uint64_t suppressed = 99;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(rl.allow(suppressed));
    EXPECT_EQ(suppressed, 0u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(rl.allow(suppressed));
  clock.advance(std::chrono::milliseconds(999));
  EXPECT_FALSE(rl.allow(suppressed));
  clock.advance(std::chrono::milliseconds(1));
  EXPECT_TRUE(rl.allow(suppressed));
  EXPECT_EQ(suppressed, 6u);  // the 5 + 1 dropped in the previous window
}

}  // namespace
}  // namespace trunkline::base
