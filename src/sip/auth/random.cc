#include "sip/auth/random.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace trunkline::sip {

std::uint64_t RandomSource::nextU64() {
  std::array<std::uint8_t, 8> b{};
  fill(b);
  std::uint64_t v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

std::string RandomSource::hex(std::size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::array<std::uint8_t, 64> buf{};
  std::string out;
  out.reserve(bytes * 2);
  while (bytes > 0) {
    std::size_t n = std::min(bytes, buf.size());
    fill(std::span<std::uint8_t>(buf.data(), n));
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(kHex[buf[i] >> 4]);
      out.push_back(kHex[buf[i] & 0x0f]);
    }
    bytes -= n;
  }
  return out;
}

SeededRandom::SeededRandom() {
  TL_RELEASE_ASSERT(RAND_priv_bytes(key_.data(), static_cast<int>(key_.size())) == 1);
}

SeededRandom::SeededRandom(std::span<const std::uint8_t> seed) {
  // Spread any seed length over the key with one SHA-256.
  unsigned int len = 0;
  TL_RELEASE_ASSERT(
      EVP_Digest(seed.data(), seed.size(), key_.data(), &len, EVP_sha256(), nullptr) == 1);
}

void SeededRandom::fill(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    std::uint64_t ctr = counter_.fetch_add(1, std::memory_order_relaxed);
    std::array<std::uint8_t, 8> msg{};
    for (int i = 7; i >= 0; --i) {
      msg[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(ctr & 0xff);
      ctr >>= 8;
    }
    std::array<std::uint8_t, 32> block{};
    unsigned int len = 0;
    TL_RELEASE_ASSERT(HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), msg.data(),
                           msg.size(), block.data(), &len) != nullptr);
    std::size_t n = std::min(out.size() - done, block.size());
    std::memcpy(out.data() + done, block.data(), n);
    done += n;
  }
}

}  // namespace trunkline::sip
