#include "webhook/backoff.h"

#include <algorithm>

namespace trunkline::webhook {

std::optional<std::int64_t> nextAttemptMs(const RetryPolicy& policy, std::uint32_t attemptsDone,
                                          std::int64_t createdMs, std::int64_t nowMs,
                                          std::mt19937_64& rng) {
  if (attemptsDone == 0) return nowMs;
  if (attemptsDone >= policy.maxAttempts || policy.delays.empty()) return std::nullopt;
  const auto step = std::min<std::size_t>(attemptsDone - 1, policy.delays.size() - 1);
  const double baseMs = std::chrono::duration<double, std::milli>(policy.delays[step]).count();
  const double j = std::clamp(policy.jitter, 0.0, 0.5);
  double factor = 1.0;
  if (j > 0) factor = std::uniform_real_distribution<double>(1.0 - j, 1.0 + j)(rng);
  const auto delayMs = std::max<std::int64_t>(1, static_cast<std::int64_t>(baseMs * factor));
  const auto next = nowMs + delayMs;
  const auto maxAgeMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(policy.maxAge).count();
  if (next > createdMs + maxAgeMs) return std::nullopt;
  return next;
}

}  // namespace trunkline::webhook
