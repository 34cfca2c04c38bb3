#pragma once
// When to try a failed delivery again: exponential steps (1 s, 5 s, 30 s, 2 min, 10 min,
// 30 min, 1 h, 2 h, 4 h, 8 h by default), each stretched or shrunk by up to ±20 % so that
// receivers coming back from an outage are not hit by every node's retries in the same
// second. A delivery gives up after maxAttempts, or when its next try would fall after
// maxAge from its creation (24 h). Pure; the random source is passed in.
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "base/clock.h"

namespace trunkline::webhook {

struct RetryPolicy {
  std::vector<base::Duration> delays = {std::chrono::seconds(1),  std::chrono::seconds(5),
                                        std::chrono::seconds(30), std::chrono::minutes(2),
                                        std::chrono::minutes(10), std::chrono::minutes(30),
                                        std::chrono::hours(1),    std::chrono::hours(2),
                                        std::chrono::hours(4),    std::chrono::hours(8)};
  std::uint32_t maxAttempts = 10;
  base::Duration maxAge = std::chrono::hours(24);
  double jitter = 0.2;  // fraction, 0..0.5
};

/// The wall time (ms) of the next attempt after `attemptsDone` failed attempts (1 after the
/// first failure), or nullopt when the delivery should give up.
std::optional<std::int64_t> nextAttemptMs(const RetryPolicy& policy, std::uint32_t attemptsDone,
                                          std::int64_t createdMs, std::int64_t nowMs,
                                          std::mt19937_64& rng);

}  // namespace trunkline::webhook
