#include "webhook/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <charconv>

namespace trunkline::webhook {
namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 0xf];
  }
  return out;
}

base::Result<std::string> randomHex(std::size_t bytes) {
  unsigned char buf[64];
  if (bytes > sizeof buf || RAND_bytes(buf, static_cast<int>(bytes)) != 1)
    return base::fail(base::Errc::Internal, "no randomness from OpenSSL");
  return hex(buf, bytes);
}

}  // namespace

std::string signatureV1(std::string_view secret, std::int64_t unixSeconds, std::string_view body) {
  std::string text = std::to_string(unixSeconds);
  text += '.';
  text.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &len);
  return hex(mac, len);
}

std::string signatureHeader(std::string_view secret, std::int64_t unixSeconds,
                            std::string_view body) {
  return "t=" + std::to_string(unixSeconds) + ",v1=" + signatureV1(secret, unixSeconds, body);
}

bool verifySignature(std::string_view header, std::string_view secret, std::string_view body,
                     std::int64_t nowS, std::int64_t toleranceS) {
  std::int64_t t = -1;
  std::string_view candidates[8];
  std::size_t n = 0;
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.starts_with("t=")) {
      auto v = item.substr(2);
      std::int64_t parsed = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), parsed);
      if (ec != std::errc() || p != v.data() + v.size()) return false;
      t = parsed;
    } else if (item.starts_with("v1=") && n < std::size(candidates)) {
      candidates[n++] = item.substr(3);
    }
  }
  if (t < 0 || n == 0) return false;
  if (t > nowS + toleranceS || t < nowS - toleranceS) return false;
  const auto want = signatureV1(secret, t, body);
  bool ok = false;
  for (std::size_t i = 0; i < n; ++i)
    if (candidates[i].size() == want.size() &&
        CRYPTO_memcmp(candidates[i].data(), want.data(), want.size()) == 0)
      ok = true;
  return ok;
}

base::Result<std::string> generateSecret() {
  auto h = randomHex(32);
  if (!h) return h;
  return std::string(kSecretPrefix) + *h;
}

base::Result<std::string> randomId(std::string_view prefix) {
  auto h = randomHex(16);
  if (!h) return h;
  return std::string(prefix) + *h;
}

}  // namespace trunkline::webhook
