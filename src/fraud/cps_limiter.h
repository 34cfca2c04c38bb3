#pragma once
// CpsLimiter: new calls per second per trunk (Trunk::cpsLimit), as a token bucket.
//
// Each trunk has a bucket holding at most `cps` tokens, refilled continuously at `cps`
// tokens per second; an INVITE takes one token or is refused (503 with Retry-After). A
// bucket starts full, so a quiet trunk may burst `cps` calls at once. Arithmetic is exact
// integer (a token is 10^9 units; `cps` units are added per elapsed nanosecond), so tests
// on a ManualClock get exact admit counts.
//
// One instance per process, shared by every SIP shard. Thread-safe: buckets live in a
// sharded map, each shard behind its own short mutex (no I/O, no allocation once the
// trunk's bucket exists). Time comes from the injected Clock, or is passed in.
#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "base/clock.h"

namespace trunkline::fraud {

using TrunkId = std::int64_t;

class CpsLimiter {
 public:
  explicit CpsLimiter(const base::Clock& clock) : clock_(clock) {}
  CpsLimiter(const CpsLimiter&) = delete;
  CpsLimiter& operator=(const CpsLimiter&) = delete;

  /// Takes one token of `trunkId`'s bucket at time `now`. cps 0 = unlimited (always true).
  /// When refused and `retryAfterS` is set, it receives the whole seconds until a token
  /// is available again (at least 1): the value for a Retry-After header.
  bool tryAcquire(TrunkId trunkId, std::uint32_t cps, base::MonoTime now,
                  std::uint32_t* retryAfterS = nullptr);
  /// Same, at the injected clock's now().
  bool tryAcquire(TrunkId trunkId, std::uint32_t cps, std::uint32_t* retryAfterS = nullptr) {
    return tryAcquire(trunkId, cps, clock_.now(), retryAfterS);
  }
  /// Drops the bucket of a trunk that was deleted.
  void forget(TrunkId trunkId);

  std::uint64_t admitted() const { return admitted_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Bucket {
    std::uint64_t units = 0;  // tokens * kUnit
    base::MonoTime last{};
    std::uint32_t cps = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<TrunkId, Bucket> buckets;
  };
  static constexpr std::uint64_t kUnit = 1'000'000'000;  // units per token
  static constexpr std::size_t kShards = 16;
  Shard& shardOf(TrunkId trunkId);

  const base::Clock& clock_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> admitted_{0};
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace trunkline::fraud
