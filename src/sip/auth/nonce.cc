#include "sip/auth/nonce.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include "base/assert.h"

namespace trunkline::sip {
namespace {

constexpr std::size_t kPayload = 16;  // issued + id
constexpr std::size_t kMac = 16;
constexpr std::string_view kHex = "0123456789abcdef";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // nonces are issued in lowercase and echoed verbatim
}

void putU64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<std::uint8_t>(v & 0xff);
    v >>= 8;
  }
}

std::uint64_t getU64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

NonceCodec::NonceCodec(std::string secret, std::string realm)
    : secret_(std::move(secret)), realm_(std::move(realm)) {}

void NonceCodec::mac(const std::uint8_t* payload, std::size_t len, std::uint8_t* out16) const {
  std::vector<std::uint8_t> msg;
  static constexpr std::string_view kLabel = "tl-nonce-1";
  msg.reserve(kLabel.size() + realm_.size() + 1 + len);
  msg.insert(msg.end(), kLabel.begin(), kLabel.end());
  msg.insert(msg.end(), realm_.begin(), realm_.end());
  msg.push_back(0);  // separates realm from payload
  msg.insert(msg.end(), payload, payload + len);
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> full{};
  unsigned int outLen = 0;
  // Fetched once: OpenSSL 3 looks EVP_sha256() up in its provider tables on every use.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  TL_RELEASE_ASSERT(kSha256 != nullptr);
  TL_RELEASE_ASSERT(HMAC(kSha256, secret_.data(), static_cast<int>(secret_.size()), msg.data(),
                         msg.size(), full.data(), &outLen) != nullptr);
  std::copy_n(full.begin(), kMac, out16);
}

std::string NonceCodec::issue(std::int64_t nowS, std::uint64_t id) const {
  std::array<std::uint8_t, kPayload + kMac> raw{};
  putU64(raw.data(), static_cast<std::uint64_t>(nowS));
  putU64(raw.data() + 8, id);
  mac(raw.data(), kPayload, raw.data() + kPayload);
  std::string out;
  out.reserve(raw.size() * 2);
  for (std::uint8_t b : raw) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0f]);
  }
  return out;
}

std::optional<NonceInfo> NonceCodec::open(std::string_view nonce) const {
  std::array<std::uint8_t, kPayload + kMac> raw{};
  if (nonce.size() != raw.size() * 2) return std::nullopt;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    int hi = hexValue(nonce[2 * i]);
    int lo = hexValue(nonce[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    raw[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  std::array<std::uint8_t, kMac> expected{};
  mac(raw.data(), kPayload, expected.data());
  if (CRYPTO_memcmp(expected.data(), raw.data() + kPayload, kMac) != 0) return std::nullopt;
  return NonceInfo{static_cast<std::int64_t>(getU64(raw.data())), getU64(raw.data() + 8)};
}

std::string NonceCodec::opaque() const {
  std::array<std::uint8_t, kMac> m{};
  static constexpr std::uint8_t kOpaqueLabel[] = {'o', 'p', 'a', 'q', 'u', 'e'};
  mac(kOpaqueLabel, sizeof kOpaqueLabel, m.data());
  std::string out;
  for (std::size_t i = 0; i < 8; ++i) {
    out.push_back(kHex[m[i] >> 4]);
    out.push_back(kHex[m[i] & 0x0f]);
  }
  return out;
}

NonceCountTable::NonceCountTable(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)),
      horizonS_(std::numeric_limits<std::int64_t>::min()) {}

void NonceCountTable::evictLocked(std::int64_t nowS) {
  // Expired entries at the cold end go first; they can never verify again anyway.
  while (!lru_.empty() && lru_.back().expiresS < nowS) {
    index_.erase(lru_.back().id);
    lru_.pop_back();
  }
  while (lru_.size() >= capacity_) {
    const Entry& victim = lru_.back();
    if (victim.expiresS >= nowS) horizonS_ = std::max(horizonS_, victim.issuedS);
    index_.erase(victim.id);
    lru_.pop_back();
  }
}

NonceCountTable::Verdict NonceCountTable::use(const NonceInfo& nonce, std::uint32_t nc,
                                              std::int64_t expiresS, std::int64_t nowS) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(nonce.id);
  if (it != index_.end()) {
    Entry& e = *it->second;
    if (nc <= e.lastNc) return Verdict::Replayed;
    e.lastNc = nc;
    lru_.splice(lru_.begin(), lru_, it->second);
    return Verdict::Accepted;
  }
  if (nonce.issuedS <= horizonS_) return Verdict::Forgotten;
  evictLocked(nowS);
  lru_.push_front(Entry{nonce.id, nc, nonce.issuedS, expiresS});
  index_.emplace(nonce.id, lru_.begin());
  return Verdict::Accepted;
}

std::size_t NonceCountTable::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace trunkline::sip
