#pragma once
// SDES key exchange for SRTP (RFC 4568): the crypto suites Trunkline speaks, the master
// key + salt of one direction, and the a=crypto values that carry them.
//
// media/ knows nothing of SDP: the caller (call/) hands over the fields of each a=crypto
// line (sdp::parseCrypto gives them) as `SdesCrypto` views and writes back what
// `SdesAnswer`/`SdesOffer` say. Everything here runs at signalling time: it may allocate,
// never throws, and refuses what it cannot honour with a reason that names the problem.
//
// Suites: AES_CM_128_HMAC_SHA1_80 and _32 (RFC 4568 §6.2; 16-byte key, 14-byte salt),
// AEAD_AES_128_GCM and AEAD_AES_256_GCM (RFC 7714 §12; 16/32-byte key, 12-byte salt).
// Key params: exactly one "inline:<base64 key||salt>[|lifetime]" — MKIs (and so several
// keys per line) are refused, as are session parameters other than KDR=0 and WSH.
//
// Stateless apart from generateSrtpKey (OpenSSL's RAND_bytes); thread-safe.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace trunkline::media {

enum class SrtpSuite : std::uint8_t {
  AesCm128HmacSha1_80,
  AesCm128HmacSha1_32,
  AeadAes128Gcm,
  AeadAes256Gcm,
};

/// Our order of preference when we offer (strongest authentication the peers commonly
/// take first; GCM last because many carriers and PBXs do not offer it).
inline constexpr std::array<SrtpSuite, 4> kAllSrtpSuites = {
    SrtpSuite::AesCm128HmacSha1_80, SrtpSuite::AeadAes128Gcm, SrtpSuite::AeadAes256Gcm,
    SrtpSuite::AesCm128HmacSha1_32};

std::string_view srtpSuiteName(SrtpSuite s);
/// The suite named in an a=crypto line (names are case-sensitive tokens, RFC 4568 §9.2);
/// nullopt for one we do not implement (F8, 192/256-bit CM, NULL ciphers...).
std::optional<SrtpSuite> srtpSuiteFromName(std::string_view name);
std::size_t srtpKeyLength(SrtpSuite s);   // master key bytes
std::size_t srtpSaltLength(SrtpSuite s);  // master salt bytes
/// Bytes srtp_protect appends to an RTP packet (the authentication tag; GCM's is 16).
std::size_t srtpRtpOverhead(SrtpSuite s);
/// Bytes appended to an RTCP packet: the E flag + SRTCP index word (4) and the tag.
std::size_t srtpRtcpOverhead(SrtpSuite s);

inline constexpr std::size_t kMaxSrtpKeySalt = 32 + 14;
/// RFC 3711 §9.2 and RFC 4568 §6.1: an SRTP master key may protect at most 2^48 packets.
inline constexpr std::uint64_t kMaxSrtpLifetime = std::uint64_t{1} << 48;
/// libsrtp's replay window bounds (RFC 3711 §3.3.2: at least 64; libsrtp takes < 2^15).
inline constexpr std::uint32_t kMinReplayWindow = 64;
inline constexpr std::uint32_t kMaxReplayWindow = 0x7fff;
inline constexpr std::uint32_t kDefaultReplayWindow = 1024;

/// The master key and salt of one direction of one stream, with what the a=crypto line
/// said about them. Wiped from memory when destroyed.
class SrtpKey {
 public:
  SrtpKey() = default;
  SrtpKey(SrtpSuite suite, std::span<const std::uint8_t> keySalt);
  ~SrtpKey();
  SrtpKey(const SrtpKey& other) = default;
  SrtpKey& operator=(const SrtpKey& other) = default;

  SrtpSuite suite() const { return suite_; }
  /// key || salt, srtpKeyLength + srtpSaltLength bytes.
  std::span<const std::uint8_t> keySalt() const { return {bytes_.data(), size_}; }
  /// Packets this key may protect (the a=crypto lifetime), nullopt: the RFC 3711 maximum.
  std::optional<std::uint64_t> lifetime;
  /// Replay window size in packets (WSH session parameter, RFC 4568 §6.3.7).
  std::uint32_t replayWindow = kDefaultReplayWindow;

  bool operator==(const SrtpKey& o) const {
    return suite_ == o.suite_ && size_ == o.size_ && bytes_ == o.bytes_ && lifetime == o.lifetime &&
           replayWindow == o.replayWindow;
  }

 private:
  SrtpSuite suite_ = SrtpSuite::AesCm128HmacSha1_80;
  std::array<std::uint8_t, kMaxSrtpKeySalt> bytes_{};
  std::size_t size_ = 0;
};

/// The fields of one a=crypto line (RFC 4568 §9.1), as views into the SDP.
struct SdesCrypto {
  std::uint32_t tag = 0;
  std::string_view suite;
  std::string_view keyParams;
  std::string_view sessionParams;
};

/// Reads one a=crypto line's suite, key params and session params into the key that the
/// line's author will use to protect what it sends. Refuses unknown suites, malformed or
/// wrong-length keys, MKIs, several keys, lifetimes over 2^48, and session parameters
/// other than KDR=0 and WSH=<64..32767>.
base::Result<SrtpKey> parseSdesKey(std::string_view suite, std::string_view keyParams,
                                   std::string_view sessionParams = {});

/// "inline:<base64 key||salt>" (with "|2^n" or "|n" when the key carries a lifetime).
std::string formatSdesKeyParams(const SrtpKey& key);

/// A fresh random key for `suite` (OpenSSL RAND_bytes; fails only if the CSPRNG does).
base::Result<SrtpKey> generateSrtpKey(SrtpSuite suite);

/// Answering an offer (RFC 4568 §6, §7.1.2): the first offered line whose suite is in
/// `acceptable` and whose parameters we support, its tag echoed, a fresh key of ours.
struct SdesAnswer {
  std::uint32_t tag = 0;
  SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
  SrtpKey remote;  // the offerer's key: unprotects what it sends us
  SrtpKey local;   // our new key: protects what we send it
  /// The answer's a=crypto values: tag, srtpSuiteName(suite), keyParams, no session params.
  std::string keyParams;
};
/// Fails (Errc::Protocol) when no line is acceptable; the message lists each line's reason,
/// e.g. "no acceptable crypto: tag 1: MKI not supported; tag 2: unknown suite F8_128...".
base::Result<SdesAnswer> answerSdes(std::span<const SdesCrypto> offer,
                                    std::span<const SrtpSuite> acceptable = kAllSrtpSuites);

/// Offering (RFC 4568 §7.1.1): one line per suite, tags 1..n, a fresh key each.
struct SdesOfferLine {
  std::uint32_t tag = 0;
  SrtpSuite suite = SrtpSuite::AesCm128HmacSha1_80;
  SrtpKey local;
  std::string keyParams;
};
base::Result<std::vector<SdesOfferLine>> makeSdesOffer(
    std::span<const SrtpSuite> suites = kAllSrtpSuites);

/// The keys of a negotiated stream, from our offer and the answerer's a=crypto line (it
/// must echo one of our tags with the same suite, §7.1.3).
struct SdesKeys {
  SrtpKey local;   // protects what we send
  SrtpKey remote;  // unprotects what we receive
};
base::Result<SdesKeys> acceptSdesAnswer(std::span<const SdesOfferLine> offer,
                                        const SdesCrypto& answer);

/// RFC 4648 §4 base64 (standard alphabet). decode accepts missing padding, refuses
/// whitespace, characters outside the alphabet and non-zero trailing bits; nullopt then.
std::string base64Encode(std::span<const std::uint8_t> bytes);
std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text);

}  // namespace trunkline::media
