#pragma once
// Randomness for nonces and cnonces: seeded once, then no system calls per request.
#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>

namespace trunkline::sip {

/// A source of unpredictable bytes. Implementations are thread-safe.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
  std::uint64_t nextU64();
  /// `bytes` random bytes as lowercase hex (2 * bytes characters).
  std::string hex(std::size_t bytes);
};

/// HMAC-SHA256(key, counter) in counter mode. The 32-byte key comes once from the
/// OpenSSL DRBG (or from the caller, for reproducible tests); afterwards each call costs
/// one HMAC per 32 bytes and an atomic increment, no system call. Thread-safe; one
/// instance per process (or per DigestServer) lives as long as its users.
class SeededRandom final : public RandomSource {
 public:
  /// Seeds from RAND_priv_bytes; crashes (TL_RELEASE_ASSERT) if OpenSSL cannot seed.
  SeededRandom();
  /// Deterministic stream from `seed` (tests only).
  explicit SeededRandom(std::span<const std::uint8_t> seed);
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::array<std::uint8_t, 32> key_{};
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace trunkline::sip
