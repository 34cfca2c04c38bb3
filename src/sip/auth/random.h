#pragma once
// Randomness for nonces and cnonces: seeded once, then no system calls per request.
#include <array>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>

struct evp_cipher_ctx_st;

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

/// The AES-256-CTR keystream of a 32-byte key (a stream-cipher DRBG). The key comes once
/// from the OpenSSL DRBG (or from the caller, for reproducible tests); the keystream is
/// made 512 bytes at a time (AES-NI: a fraction of a microsecond) and handed out under a
/// short mutex, so a tag or UUID costs a copy, no system call and no HMAC. (An HMAC per
/// 32 bytes was ~8% of the signalling thread in bench/calls.) Thread-safe; one instance
/// per process (or per DigestServer) lives as long as its users.
class SeededRandom final : public RandomSource {
 public:
  /// Seeds from RAND_priv_bytes; crashes (TL_RELEASE_ASSERT) if OpenSSL cannot seed.
  SeededRandom();
  /// Deterministic stream from `seed` (tests only).
  explicit SeededRandom(std::span<const std::uint8_t> seed);
  ~SeededRandom() override;
  SeededRandom(const SeededRandom&) = delete;
  SeededRandom& operator=(const SeededRandom&) = delete;
  void fill(std::span<std::uint8_t> out) override;

 private:
  void start(const std::array<std::uint8_t, 32>& key);
  void refill();  // mu_ held

  std::mutex mu_;
  evp_cipher_ctx_st* ctx_ = nullptr;
  std::array<std::uint8_t, 512> buf_{};
  std::size_t pos_ = buf_.size();
};

}  // namespace trunkline::sip
