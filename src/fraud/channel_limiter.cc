#include "fraud/channel_limiter.h"

#include "base/assert.h"

namespace trunkline::fraud {

ChannelLimiter::Shard& ChannelLimiter::shardOf(TrunkId trunkId) const {
  auto h = static_cast<std::uint64_t>(trunkId) * 0x9E3779B97F4A7C15ull;
  return shards_[(h >> 32) % kShards];
}

std::atomic<std::uint32_t>& ChannelLimiter::counter(TrunkId trunkId) {
  Shard& s = shardOf(trunkId);
  std::lock_guard lock(s.mutex);
  auto& slot = s.counts[trunkId];
  if (!slot) slot = std::make_unique<std::atomic<std::uint32_t>>(0);
  return *slot;
}

const std::atomic<std::uint32_t>* ChannelLimiter::find(TrunkId trunkId) const {
  Shard& s = shardOf(trunkId);
  std::lock_guard lock(s.mutex);
  auto it = s.counts.find(trunkId);
  return it == s.counts.end() ? nullptr : it->second.get();
}

bool ChannelLimiter::tryAcquire(TrunkId trunkId, std::uint32_t limit) {
  auto& c = counter(trunkId);
  std::uint32_t cur = c.load(std::memory_order_relaxed);
  do {
    if (limit != 0 && cur >= limit) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
  } while (
      !c.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_relaxed));
  admitted_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void ChannelLimiter::release(TrunkId trunkId) {
  auto& c = counter(trunkId);
  std::uint32_t cur = c.load(std::memory_order_relaxed);
  do {
    if (cur == 0) {
      TL_BUG("ChannelLimiter::release without a channel");
      return;
    }
  } while (
      !c.compare_exchange_weak(cur, cur - 1, std::memory_order_acq_rel, std::memory_order_relaxed));
}

std::uint32_t ChannelLimiter::active(TrunkId trunkId) const {
  const auto* c = find(trunkId);
  return c == nullptr ? 0 : c->load(std::memory_order_acquire);
}

}  // namespace trunkline::fraud
