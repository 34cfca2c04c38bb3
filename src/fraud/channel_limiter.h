#pragma once
// ChannelLimiter: concurrent calls per trunk (Trunk::channelLimit).
//
// One instance per process, shared by every SIP shard: tryAcquire() when an INVITE passes
// the limits step of the policy chain, release() exactly once when that call ends (a
// ChannelGuard does it on destruction). Thread-safe: the count of a trunk is one atomic,
// found through a sharded map (a shard's mutex is held only to find or create the entry,
// never while counting), so the limit is exact under any interleaving.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace trunkline::fraud {

using TrunkId = std::int64_t;

class ChannelLimiter {
 public:
  ChannelLimiter() = default;
  ChannelLimiter(const ChannelLimiter&) = delete;
  ChannelLimiter& operator=(const ChannelLimiter&) = delete;

  /// Takes one channel of `trunkId` if fewer than `limit` are in use. limit 0 = unlimited
  /// (still counted, so active() is right). Returns false when the trunk is full.
  bool tryAcquire(TrunkId trunkId, std::uint32_t limit);
  /// Gives back a channel taken by a successful tryAcquire(). Releasing more than was
  /// acquired is a bug (TL_BUG, count stays at 0).
  void release(TrunkId trunkId);
  /// Channels in use now (a snapshot).
  std::uint32_t active(TrunkId trunkId) const;

  /// Counters for metrics.
  std::uint64_t admitted() const { return admitted_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Shard {
    mutable std::mutex mutex;
    // unique_ptr: the atomic's address stays put when the map rehashes.
    std::unordered_map<TrunkId, std::unique_ptr<std::atomic<std::uint32_t>>> counts;
  };
  static constexpr std::size_t kShards = 16;
  std::atomic<std::uint32_t>& counter(TrunkId trunkId);
  const std::atomic<std::uint32_t>* find(TrunkId trunkId) const;
  Shard& shardOf(TrunkId trunkId) const;

  mutable std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> admitted_{0};
  std::atomic<std::uint64_t> refused_{0};
};

/// Releases a channel when it goes out of scope (or on release()). Move-only; lives with
/// the call that holds the channel.
class ChannelGuard {
 public:
  ChannelGuard() = default;
  ChannelGuard(ChannelLimiter& limiter, TrunkId trunkId) : limiter_(&limiter), trunk_(trunkId) {}
  ChannelGuard(ChannelGuard&& o) noexcept : limiter_(o.limiter_), trunk_(o.trunk_) {
    o.limiter_ = nullptr;
  }
  ChannelGuard& operator=(ChannelGuard&& o) noexcept {
    if (this != &o) {
      release();
      limiter_ = o.limiter_;
      trunk_ = o.trunk_;
      o.limiter_ = nullptr;
    }
    return *this;
  }
  ~ChannelGuard() { release(); }
  void release() {
    if (limiter_ != nullptr) limiter_->release(trunk_);
    limiter_ = nullptr;
  }
  explicit operator bool() const { return limiter_ != nullptr; }

 private:
  ChannelLimiter* limiter_ = nullptr;
  TrunkId trunk_ = 0;
};

}  // namespace trunkline::fraud
