#include "api/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "base/strings.h"

namespace trunkline::api {
namespace {

constexpr std::string_view kPrefix = "tlk_";
constexpr std::size_t kPublicBytes = 8;   // 16 hex digits
constexpr std::size_t kSecretBytes = 32;  // 64 hex digits

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 15];
  }
  return out;
}

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  return hex(digest, len);
}

base::Result<NewKey> generateKey(storage::Id accountId, std::string name, std::int64_t nowMs) {
  unsigned char pub[kPublicBytes], secret[kSecretBytes];
  if (RAND_bytes(pub, sizeof pub) != 1 || RAND_bytes(secret, sizeof secret) != 1)
    return base::fail(base::Errc::Internal, "the system random generator failed");
  NewKey k;
  k.record.publicId = hex(pub, sizeof pub);
  k.text = fmt::format("{}{}_{}", kPrefix, k.record.publicId, hex(secret, sizeof secret));
  OPENSSL_cleanse(secret, sizeof secret);
  k.record.secretHash = sha256Hex(k.text);
  k.record.accountId = accountId;
  k.record.name = std::move(name);
  k.record.createdMs = nowMs;
  return k;
}

std::optional<std::string> publicIdOf(std::string_view text) {
  if (text.size() != kPrefix.size() + 2 * kPublicBytes + 1 + 2 * kSecretBytes ||
      !text.starts_with(kPrefix))
    return std::nullopt;
  const auto pub = text.substr(kPrefix.size(), 2 * kPublicBytes);
  const auto sep = text[kPrefix.size() + 2 * kPublicBytes];
  const auto secret = text.substr(kPrefix.size() + 2 * kPublicBytes + 1);
  if (sep != '_' || !isLowerHex(pub) || !isLowerHex(secret)) return std::nullopt;
  return std::string(pub);
}

bool verifyKey(const storage::ApiKey& record, std::string_view keyText) {
  const auto h = sha256Hex(keyText);
  if (record.secretHash.size() != h.size()) return false;
  return CRYPTO_memcmp(h.data(), record.secretHash.data(), h.size()) == 0;
}

std::string scopeText(storage::Id accountId) {
  return accountId == 0 ? std::string("admin") : fmt::format("account:{}", accountId);
}

std::optional<storage::Id> parseScope(std::string_view scope) {
  if (scope == "admin") return storage::Id{0};
  if (!scope.starts_with("account:")) return std::nullopt;
  scope.remove_prefix(8);
  storage::Id id = 0;
  auto [p, ec] = std::from_chars(scope.data(), scope.data() + scope.size(), id);
  if (ec != std::errc() || p != scope.data() + scope.size() || id < 1) return std::nullopt;
  return id;
}

tl::expected<Principal, AuthFailure> authenticate(storage::ApiKeyStore& keys,
                                                  const std::string* authorization) {
  auto failWith = [](std::string detail) {
    return tl::unexpected(AuthFailure{std::move(detail), false});
  };
  if (!authorization) return failWith("send the API key as 'Authorization: Bearer <key>'");
  std::string_view v = base::trim(*authorization);
  const auto sp = v.find(' ');
  if (sp == std::string_view::npos || !base::iequals(v.substr(0, sp), "Bearer"))
    return failWith("the Authorization scheme must be Bearer");
  const auto text = base::trim(v.substr(sp + 1));
  const auto pub = publicIdOf(text);
  if (!pub) return failWith("malformed API key (expected tlk_<id>_<secret>)");
  auto rec = keys.findByPublicId(*pub);
  if (!rec) {
    if (rec.error().code != base::Errc::NotFound)
      return tl::unexpected(AuthFailure{rec.error().message, true});
    return failWith("unknown API key");
  }
  if (!verifyKey(*rec, text)) return failWith("unknown API key");
  if (rec->revoked()) return failWith("this API key has been revoked");
  return Principal{rec->id, rec->accountId, rec->publicId};
}

bool KeyRateLimiter::tryAcquire(storage::Id keyId, std::uint32_t& retryAfterS) {
  if (rate_ == 0) return true;
  const auto now = clock_.now();
  const std::uint64_t capacity = static_cast<std::uint64_t>(burst_) * kUnit;
  auto [it, fresh] = buckets_.try_emplace(keyId, Bucket{capacity, now});
  auto& b = it->second;
  if (!fresh && now > b.last) {
    const auto elapsedNs =
        static_cast<std::uint64_t>(std::chrono::nanoseconds(now - b.last).count());
    // rate tokens per second = rate units per nanosecond; cap before multiplying so a
    // long-idle key cannot overflow.
    const std::uint64_t room = capacity - b.units;
    const std::uint64_t add = elapsedNs >= room / rate_ + 1 ? room : elapsedNs * rate_;
    b.units += std::min(add, room);
    b.last = now;
  }
  if (b.units >= kUnit) {
    b.units -= kUnit;
    return true;
  }
  const std::uint64_t missingNs = (kUnit - b.units + rate_ - 1) / rate_;
  retryAfterS = static_cast<std::uint32_t>(
      std::max<std::uint64_t>(1, (missingNs + 999'999'999) / 1'000'000'000));
  return false;
}

}  // namespace trunkline::api
