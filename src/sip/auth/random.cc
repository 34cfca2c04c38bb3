#include "sip/auth/random.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
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
  std::array<std::uint8_t, 32> key{};
  TL_RELEASE_ASSERT(RAND_priv_bytes(key.data(), static_cast<int>(key.size())) == 1);
  start(key);
}

SeededRandom::SeededRandom(std::span<const std::uint8_t> seed) {
  // Spread any seed length over the key with one SHA-256.
  std::array<std::uint8_t, 32> key{};
  unsigned int len = 0;
  TL_RELEASE_ASSERT(EVP_Digest(seed.data(), seed.size(), key.data(), &len, EVP_sha256(), nullptr) ==
                    1);
  start(key);
}

SeededRandom::~SeededRandom() {
  EVP_CIPHER_CTX_free(ctx_);
  OPENSSL_cleanse(buf_.data(), buf_.size());
}

void SeededRandom::start(const std::array<std::uint8_t, 32>& key) {
  ctx_ = EVP_CIPHER_CTX_new();
  TL_RELEASE_ASSERT(ctx_ != nullptr);
  const std::array<std::uint8_t, 16> iv{};  // the key is never reused: a zero counter is fine
  TL_RELEASE_ASSERT(EVP_EncryptInit_ex(ctx_, EVP_aes_256_ctr(), nullptr, key.data(), iv.data()) ==
                    1);
}

void SeededRandom::refill() {
  // The keystream is the encryption of zeros; the 128-bit counter never wraps in practice.
  static const std::array<std::uint8_t, 512> kZeros{};
  int len = 0;
  TL_RELEASE_ASSERT(EVP_EncryptUpdate(ctx_, buf_.data(), &len, kZeros.data(),
                                      static_cast<int>(kZeros.size())) == 1 &&
                    len == static_cast<int>(buf_.size()));
  pos_ = 0;
}

void SeededRandom::fill(std::span<std::uint8_t> out) {
  std::lock_guard lock(mu_);
  std::size_t done = 0;
  while (done < out.size()) {
    if (pos_ == buf_.size()) refill();
    const std::size_t n = std::min(out.size() - done, buf_.size() - pos_);
    std::memcpy(out.data() + done, buf_.data() + pos_, n);
    // Bytes handed out are not kept: a later memory disclosure cannot replay them.
    OPENSSL_cleanse(buf_.data() + pos_, n);
    pos_ += n;
    done += n;
  }
}

}  // namespace trunkline::sip
