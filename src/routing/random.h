#pragma once
// The random source of weighted selection, injected so tests can fix the sequence.
#include <cstdint>

namespace trunkline::routing {

/// Uniform 64-bit values. Not required to be cryptographic. Not thread-safe: one per shard.
class Random {
 public:
  virtual ~Random() = default;
  virtual std::uint64_t next() = 0;
  /// Uniform in [0, bound) (bound > 0), by 128-bit multiply (Lemire), without modulo bias
  /// worth measuring for the small bounds of route weights.
  std::uint64_t below(std::uint64_t bound) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }
};

/// SplitMix64: tiny, fast, good enough to spread calls over carriers.
class SplitMix64 final : public Random {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() override {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace trunkline::routing
