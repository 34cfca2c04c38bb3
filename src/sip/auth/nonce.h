#pragma once
// Stateless nonces and their nonce-count bookkeeping (server side of digest auth).
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace trunkline::sip {

/// What a verified nonce says about itself.
struct NonceInfo {
  std::int64_t issuedS = 0;  // Unix seconds (wall clock) when it was issued
  std::uint64_t id = 0;      // random, unique per issued nonce
};

/// Issues and opens nonces that need no server state: 64 lowercase hex characters of
///   issued (8 bytes, big endian) | id (8 random bytes) | MAC (16 bytes)
/// with MAC = HMAC-SHA256(secret, "tl-nonce-1" | realm | issued | id), truncated. Any
/// shard or node holding the same secret and realm opens it; a modified nonce does not
/// open. Immutable after construction: thread-safe.
class NonceCodec {
 public:
  NonceCodec(std::string secret, std::string realm);
  std::string issue(std::int64_t nowS, std::uint64_t id) const;
  /// nullopt when the nonce is not one of ours (wrong length, not hex, MAC mismatch).
  std::optional<NonceInfo> open(std::string_view nonce) const;
  /// A value derived from the secret and realm, used as the challenge's opaque.
  std::string opaque() const;

 private:
  void mac(const std::uint8_t* payload, std::size_t len, std::uint8_t* out16) const;
  std::string secret_;
  std::string realm_;
};

/// Last nonce-count seen per nonce (RFC 7616 §3.4: nc must grow), in a bounded LRU map.
/// When a nonce still in its lifetime must be evicted, its issue time raises a horizon:
/// nonces issued at or before the horizon that are no longer tracked are reported as
/// Forgotten (the caller answers stale=true and the client takes a fresh nonce), so an
/// eviction can never turn a replay into an accepted request. Thread-safe (one mutex).
class NonceCountTable {
 public:
  enum class Verdict : std::uint8_t { Accepted, Replayed, Forgotten };

  explicit NonceCountTable(std::size_t capacity);
  /// Records `nc` for the nonce if it is larger than any seen before.
  Verdict use(const NonceInfo& nonce, std::uint32_t nc, std::int64_t expiresS, std::int64_t nowS);
  std::size_t size() const;

 private:
  struct Entry {
    std::uint64_t id;
    std::uint32_t lastNc;
    std::int64_t issuedS;
    std::int64_t expiresS;
  };
  void evictLocked(std::int64_t nowS);

  mutable std::mutex mu_;
  std::size_t capacity_;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;
  std::int64_t horizonS_;
};

}  // namespace trunkline::sip
