#include "fraud/cps_limiter.h"

#include <algorithm>

namespace trunkline::fraud {

CpsLimiter::Shard& CpsLimiter::shardOf(TrunkId trunkId) {
  auto h = static_cast<std::uint64_t>(trunkId) * 0x9E3779B97F4A7C15ull;
  return shards_[(h >> 32) % kShards];
}

bool CpsLimiter::tryAcquire(TrunkId trunkId, std::uint32_t cps, base::MonoTime now,
                            std::uint32_t* retryAfterS) {
  if (cps == 0) {
    admitted_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const std::uint64_t capacity = std::uint64_t{cps} * kUnit;  // < 2^63 for any uint32
  Shard& shard = shardOf(trunkId);
  std::lock_guard lock(shard.mutex);
  auto [it, created] = shard.buckets.try_emplace(trunkId);
  Bucket& b = it->second;
  if (created) {
    b.units = capacity;
    b.last = now;
    b.cps = cps;
  } else {
    if (now > b.last) {
      // A full refill takes one second; capping the elapsed time there keeps the product
      // far from overflow.
      auto elapsedNs = std::min<std::int64_t>((now - b.last).count(), 1'000'000'000);
      b.units = std::min(capacity, b.units + static_cast<std::uint64_t>(elapsedNs) * cps);
      b.last = now;
    }
    // Threads may present slightly older times than the last one seen: no refill then,
    // and `last` never moves back.
    if (b.cps != cps) {  // the limit was changed in the configuration
      b.cps = cps;
      b.units = std::min(b.units, capacity);
    }
  }
  if (b.units >= kUnit) {
    b.units -= kUnit;
    admitted_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  refused_.fetch_add(1, std::memory_order_relaxed);
  if (retryAfterS != nullptr) {
    std::uint64_t missingNs = (kUnit - b.units + cps - 1) / cps;
    auto seconds = (missingNs + 999'999'999) / 1'000'000'000;
    *retryAfterS = static_cast<std::uint32_t>(std::max<std::uint64_t>(1, seconds));
  }
  return false;
}

void CpsLimiter::forget(TrunkId trunkId) {
  Shard& shard = shardOf(trunkId);
  std::lock_guard lock(shard.mutex);
  shard.buckets.erase(trunkId);
}

}  // namespace trunkline::fraud
