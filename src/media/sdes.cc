#include "media/sdes.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <openssl/rand.h>

namespace trunkline::media {
namespace {

using base::Errc;
using base::fail;

struct SuiteRow {
  SrtpSuite suite;
  std::string_view name;
  std::size_t key;
  std::size_t salt;
  std::size_t rtpTag;
  std::size_t rtcpTag;
};

// RFC 4568 §6.2 (the _32 suite shortens only the SRTP tag; SRTCP keeps 80 bits) and
// RFC 7714 §12 (AEAD: a 16-byte tag on both, 12-byte salt).
constexpr SuiteRow kSuites[] = {
    {SrtpSuite::AesCm128HmacSha1_80, "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10},
    {SrtpSuite::AesCm128HmacSha1_32, "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10},
    {SrtpSuite::AeadAes128Gcm, "AEAD_AES_128_GCM", 16, 12, 16, 16},
    {SrtpSuite::AeadAes256Gcm, "AEAD_AES_256_GCM", 32, 12, 16, 16},
};

const SuiteRow& row(SrtpSuite s) {
  return kSuites[static_cast<std::size_t>(s)];
}

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Decimal of at most `maxDigits` digits without overflow; nullopt otherwise.
std::optional<std::uint64_t> parseDecimal(std::string_view s, std::size_t maxDigits = 19) {
  if (!allDigits(s) || s.size() > maxDigits) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) v = v * 10 + static_cast<std::uint64_t>(c - '0');
  return v;
}

/// RFC 4568 §9.1: lifetime = ["2^"] 1*DIGIT — a packet count, or a power of two.
base::Result<std::uint64_t> parseLifetime(std::string_view s) {
  if (s.starts_with("2^")) {
    const auto exp = parseDecimal(s.substr(2), 3);
    if (!exp) return fail(Errc::Protocol, fmt::format("malformed lifetime '{}'", s));
    if (*exp > 48)
      return fail(Errc::Protocol, fmt::format("lifetime {} exceeds the SRTP maximum 2^48", s));
    return std::uint64_t{1} << *exp;
  }
  const auto v = parseDecimal(s, 15);
  if (!v) return fail(Errc::Protocol, fmt::format("malformed lifetime '{}'", s));
  if (*v > kMaxSrtpLifetime)
    return fail(Errc::Protocol, fmt::format("lifetime {} exceeds the SRTP maximum 2^48", s));
  if (*v == 0) return fail(Errc::Protocol, "lifetime 0");
  return *v;
}

/// Session parameters (RFC 4568 §6.3), space-separated. KDR=0 is libsrtp's only key
/// derivation rate; WSH sizes the replay window; everything else changes the packet
/// format or the protection (unencrypted/unauthenticated SRTP, FEC order) and is refused:
/// §6.3 says a line with a parameter the answerer does not support is not acceptable.
base::Result<void> applySessionParams(std::string_view params, SrtpKey& key) {
  std::size_t pos = 0;
  while (pos < params.size()) {
    while (pos < params.size() && (params[pos] == ' ' || params[pos] == '\t')) ++pos;
    if (pos >= params.size()) break;
    std::size_t end = pos;
    while (end < params.size() && params[end] != ' ' && params[end] != '\t') ++end;
    const std::string_view p = params.substr(pos, end - pos);
    pos = end;
    if (p.starts_with("KDR=")) {
      const auto v = parseDecimal(p.substr(4), 2);
      if (!v) return fail(Errc::Protocol, fmt::format("malformed session parameter '{}'", p));
      if (*v != 0)
        return fail(Errc::Protocol, fmt::format("key derivation rate {} not supported", p));
    } else if (p.starts_with("WSH=")) {
      const auto v = parseDecimal(p.substr(4), 10);
      if (!v || *v < kMinReplayWindow)
        return fail(Errc::Protocol, fmt::format("bad window size hint '{}'", p));
      // A larger hint than libsrtp can keep only costs the sender some late packets.
      key.replayWindow = static_cast<std::uint32_t>(std::min<std::uint64_t>(*v, kMaxReplayWindow));
    } else {
      return fail(Errc::Protocol, fmt::format("session parameter '{}' not supported",
                                              p.substr(0, std::min<std::size_t>(p.size(), 32))));
    }
  }
  return {};
}

}  // namespace

std::string_view srtpSuiteName(SrtpSuite s) {
  return row(s).name;
}

std::optional<SrtpSuite> srtpSuiteFromName(std::string_view name) {
  for (const SuiteRow& r : kSuites)
    if (r.name == name) return r.suite;
  return std::nullopt;
}

std::size_t srtpKeyLength(SrtpSuite s) {
  return row(s).key;
}
std::size_t srtpSaltLength(SrtpSuite s) {
  return row(s).salt;
}
std::size_t srtpRtpOverhead(SrtpSuite s) {
  return row(s).rtpTag;
}
std::size_t srtpRtcpOverhead(SrtpSuite s) {
  return 4 + row(s).rtcpTag;
}

SrtpKey::SrtpKey(SrtpSuite suite, std::span<const std::uint8_t> keySalt) : suite_(suite) {
  size_ = std::min(keySalt.size(), bytes_.size());
  std::memcpy(bytes_.data(), keySalt.data(), size_);
}

SrtpKey::~SrtpKey() {
  // Keys must not linger in freed memory; a volatile store the optimiser cannot drop.
  volatile std::uint8_t* p = bytes_.data();
  for (std::size_t i = 0; i < bytes_.size(); ++i) p[i] = 0;
}

std::string base64Encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.append("==");
  } else if (rest == 2) {
    const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text) {
  // Padding: none, or exactly enough to complete the last quantum.
  std::size_t pad = 0;
  while (!text.empty() && text.back() == '=' && pad < 2) {
    text.remove_suffix(1);
    ++pad;
  }
  if (pad > 0 && (text.size() + pad) % 4 != 0) return std::nullopt;
  if (text.size() % 4 == 1) return std::nullopt;  // 6 bits cannot end a byte
  std::vector<std::uint8_t> out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xff));
    }
  }
  // Left-over bits must be zero: otherwise two texts would decode to the same key.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

base::Result<SrtpKey> parseSdesKey(std::string_view suiteName, std::string_view keyParams,
                                   std::string_view sessionParams) {
  const auto suite = srtpSuiteFromName(suiteName);
  if (!suite)
    return fail(Errc::Protocol,
                fmt::format("unknown suite '{}'",
                            suiteName.substr(0, std::min<std::size_t>(suiteName.size(), 40))));
  if (keyParams.find(';') != std::string_view::npos)
    return fail(Errc::Protocol, "several master keys not supported (they need MKIs)");
  if (!keyParams.starts_with("inline:")) return fail(Errc::Protocol, "key method is not 'inline'");
  std::string_view rest = keyParams.substr(7);

  // inline:<key||salt>[|lifetime][|mki-value:mki-length]
  std::string_view fields[4];
  std::size_t n = 0;
  while (true) {
    const std::size_t bar = rest.find('|');
    if (n == std::size(fields)) return fail(Errc::Protocol, "too many key parameter fields");
    fields[n++] = rest.substr(0, bar);
    if (bar == std::string_view::npos) break;
    rest.remove_prefix(bar + 1);
  }
  if (n > 3) return fail(Errc::Protocol, "too many key parameter fields");

  auto decoded = base64Decode(fields[0]);
  if (!decoded) return fail(Errc::Protocol, "key is not valid base64");
  const std::size_t want = srtpKeyLength(*suite) + srtpSaltLength(*suite);
  if (decoded->size() != want)
    return fail(Errc::Protocol, fmt::format("{} needs {} bytes of key and salt, got {}",
                                            srtpSuiteName(*suite), want, decoded->size()));
  SrtpKey key(*suite, *decoded);
  std::fill(decoded->begin(), decoded->end(), std::uint8_t{0});

  for (std::size_t i = 1; i < n; ++i) {
    const std::string_view f = fields[i];
    if (f.find(':') != std::string_view::npos) {
      // §9.1: mki-value ":" mki-length. One key per line makes the MKI useless, and the
      // packet format changes with it; refused rather than half supported.
      return fail(Errc::Protocol, "MKI not supported");
    }
    if (i == 2) return fail(Errc::Protocol, "a second lifetime where the MKI belongs");
    auto lifetime = parseLifetime(f);
    if (!lifetime) return tl::unexpected(lifetime.error());
    key.lifetime = *lifetime;
  }
  if (auto ok = applySessionParams(sessionParams, key); !ok) return tl::unexpected(ok.error());
  return key;
}

std::string formatSdesKeyParams(const SrtpKey& key) {
  std::string out = "inline:";
  out += base64Encode(key.keySalt());
  if (key.lifetime) {
    const std::uint64_t l = *key.lifetime;
    if (l != 0 && (l & (l - 1)) == 0) {
      int exp = 0;
      while ((std::uint64_t{1} << exp) != l) ++exp;
      out += fmt::format("|2^{}", exp);
    } else {
      out += fmt::format("|{}", l);
    }
  }
  return out;
}

base::Result<SrtpKey> generateSrtpKey(SrtpSuite suite) {
  std::array<std::uint8_t, kMaxSrtpKeySalt> bytes{};
  const std::size_t n = srtpKeyLength(suite) + srtpSaltLength(suite);
  if (RAND_bytes(bytes.data(), static_cast<int>(n)) != 1)
    return fail(Errc::Internal, "RAND_bytes failed: no SRTP key");
  SrtpKey key(suite, std::span<const std::uint8_t>(bytes.data(), n));
  volatile std::uint8_t* p = bytes.data();
  for (std::size_t i = 0; i < n; ++i) p[i] = 0;
  return key;
}

base::Result<SdesAnswer> answerSdes(std::span<const SdesCrypto> offer,
                                    std::span<const SrtpSuite> acceptable) {
  std::string reasons;
  auto note = [&](const SdesCrypto& c, std::string_view why) {
    if (!reasons.empty()) reasons += "; ";
    reasons += fmt::format("tag {}: {}", c.tag, why);
  };
  for (const SdesCrypto& c : offer) {
    // §6: the offer lists lines in the offerer's preference; the answerer takes the first
    // it accepts, so our own preference does not reorder them.
    auto remote = parseSdesKey(c.suite, c.keyParams, c.sessionParams);
    if (!remote) {
      note(c, remote.error().message);
      continue;
    }
    if (std::find(acceptable.begin(), acceptable.end(), remote->suite()) == acceptable.end()) {
      note(c, fmt::format("suite {} not enabled", srtpSuiteName(remote->suite())));
      continue;
    }
    auto local = generateSrtpKey(remote->suite());
    if (!local) return tl::unexpected(local.error());
    // Our key protects what we send; the offerer's WSH hint sized its own window and says
    // nothing about ours, so ours keeps the default.
    SdesAnswer a;
    a.tag = c.tag;
    a.suite = remote->suite();
    a.remote = *remote;
    a.local = *local;
    a.keyParams = formatSdesKeyParams(a.local);
    return a;
  }
  if (offer.empty()) return fail(Errc::Protocol, "no acceptable crypto: none offered");
  return fail(Errc::Protocol, "no acceptable crypto: " + reasons);
}

base::Result<std::vector<SdesOfferLine>> makeSdesOffer(std::span<const SrtpSuite> suites) {
  std::vector<SdesOfferLine> lines;
  lines.reserve(suites.size());
  std::uint32_t tag = 1;
  for (SrtpSuite s : suites) {
    auto key = generateSrtpKey(s);
    if (!key) return tl::unexpected(key.error());
    SdesOfferLine line;
    line.tag = tag++;
    line.suite = s;
    line.local = *key;
    line.keyParams = formatSdesKeyParams(line.local);
    lines.push_back(std::move(line));
  }
  return lines;
}

base::Result<SdesKeys> acceptSdesAnswer(std::span<const SdesOfferLine> offer,
                                        const SdesCrypto& answer) {
  const auto ours = std::find_if(offer.begin(), offer.end(),
                                 [&](const SdesOfferLine& l) { return l.tag == answer.tag; });
  if (ours == offer.end())
    return fail(Errc::Protocol, fmt::format("answer tag {} was not offered", answer.tag));
  auto remote = parseSdesKey(answer.suite, answer.keyParams, answer.sessionParams);
  if (!remote) return tl::unexpected(remote.error());
  if (remote->suite() != ours->suite)
    return fail(Errc::Protocol,
                fmt::format("answer tag {} changes suite {} to {}", answer.tag,
                            srtpSuiteName(ours->suite), srtpSuiteName(remote->suite())));
  return SdesKeys{ours->local, *remote};
}

}  // namespace trunkline::media
