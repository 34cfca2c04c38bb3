#pragma once
// Value parsers and formatters for the fields of SDP lines (RFC 8866, which obsoletes
// RFC 4566) and the attributes the B2BUA reads or writes: rtpmap/fmtp, rtcp (RFC 3605),
// crypto (RFC 4568), ICE candidates (RFC 8839), direction (RFC 3264).
//
// Parsers take the text after "x=" (or after "a=name:") and return views into it; they
// never throw and return nullopt on anything malformed, so a caller reading an attribute
// lazily treats a broken one as absent. Formatters append to a std::string. Stateless,
// thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trunkline::sdp {

/// Media direction attributes (RFC 3264 §5.1, RFC 8866 §6.7). The default is SendRecv.
enum class Direction : std::uint8_t { SendRecv, SendOnly, RecvOnly, Inactive };

std::string_view directionName(Direction d);
/// The direction named by an attribute name ("sendonly"...), or nullopt.
std::optional<Direction> directionFromName(std::string_view attributeName);
/// Whether the side that wrote `d` sends media / wants to receive media.
constexpr bool sends(Direction d) {
  return d == Direction::SendRecv || d == Direction::SendOnly;
}
constexpr bool receives(Direction d) {
  return d == Direction::SendRecv || d == Direction::RecvOnly;
}
/// The direction as seen from the peer (sendonly <-> recvonly).
constexpr Direction reversed(Direction d) {
  if (d == Direction::SendOnly) return Direction::RecvOnly;
  if (d == Direction::RecvOnly) return Direction::SendOnly;
  return d;
}

/// Unsigned decimal without sign or spaces, at most `max`; nullopt otherwise.
std::optional<std::uint64_t> parseUnsigned(std::string_view s, std::uint64_t max);
/// An RTP payload type 0..127 (RFC 3551 §3: 7 bits).
std::optional<std::uint8_t> parsePayloadType(std::string_view s);

/// Non-empty, without spaces or control bytes: what a single SDP field may hold.
bool isToken(std::string_view s);

/// Splits off the next token separated by spaces or tabs (tolerating runs of them).
std::string_view nextToken(std::string_view& rest);

/// "a=" line value split at the first ':' (RFC 8866 §5.13): property attributes have no
/// value ("rtcp-mux"), value attributes have one ("rtpmap:0 PCMU/8000").
struct Attribute {
  std::string_view name;
  std::string_view value;
  bool hasValue = false;
};
Attribute parseAttribute(std::string_view lineValue);

/// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
struct Origin {
  std::string_view username;
  std::string_view sessionId;
  std::string_view sessionVersion;
  std::string_view netType;
  std::string_view addrType;
  std::string_view address;

  /// The version as a number (RFC 3264 §8 needs it to grow); nullopt if not a 64-bit number.
  std::optional<std::uint64_t> version() const;
};
std::optional<Origin> parseOrigin(std::string_view value);
void appendOrigin(std::string& out, const Origin& o);

/// c=<nettype> <addrtype> <connection-address>, the address possibly with /ttl[/count].
struct Connection {
  std::string_view netType;
  std::string_view addrType;
  std::string_view address;  // without the /ttl or /count suffix
  std::string_view suffix;   // "/127/3" or empty

  bool isIp4() const { return addrType == "IP4"; }
  bool isIp6() const { return addrType == "IP6"; }
  /// RFC 2543-style hold: the connection address 0.0.0.0 (RFC 3264 §8.4 tells answerers to
  /// still understand it). "::" is treated the same for IPv6.
  bool isNullAddress() const;
};
std::optional<Connection> parseConnection(std::string_view value);
void appendConnection(std::string& out, std::string_view addrType, std::string_view address);

/// m=<media> <port>[/<number of ports>] <proto> <fmt> ...
struct MediaLine {
  std::string_view media;
  std::uint16_t port = 0;
  std::uint16_t portCount = 0;  // 0 when the "/n" part is absent
  std::string_view proto;
  std::vector<std::string_view> formats;
};
/// Parses an m= value; at most `maxFormats` formats. A line without formats is refused
/// unless the port is 0 (a rejected stream; some stacks write them that way).
std::optional<MediaLine> parseMediaLine(std::string_view value, std::size_t maxFormats = 128);
void appendMediaLine(std::string& out, const MediaLine& m);
/// Whether a proto carries RTP ("RTP/AVP", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF"...).
bool isRtpProto(std::string_view proto);
/// Whether a proto is secure RTP (SAVP/SAVPF).
bool isSecureRtpProto(std::string_view proto);

/// b=<bwtype>:<bandwidth>
struct Bandwidth {
  std::string_view type;
  std::uint64_t value = 0;
};
std::optional<Bandwidth> parseBandwidth(std::string_view value);

/// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
struct RtpMap {
  std::uint8_t payloadType = 0;
  std::string_view name;
  std::uint32_t clockRate = 0;
  std::uint8_t channels = 1;  // encoding parameters for audio; 1 when absent
};
std::optional<RtpMap> parseRtpMap(std::string_view value);

/// a=fmtp:<format> <format specific parameters>
struct Fmtp {
  std::string_view format;
  std::string_view params;
};
std::optional<Fmtp> parseFmtp(std::string_view value);

/// The format an attribute applies to, for the per-format attributes (rtpmap, fmtp,
/// rtcp-fb): its first token. Empty for other attributes.
std::string_view formatOfAttribute(const Attribute& a);

/// a=rtcp:<port> [<nettype> <addrtype> <connection-address>] (RFC 3605 §2.1)
struct Rtcp {
  std::uint16_t port = 0;
  std::string_view netType;
  std::string_view addrType;
  std::string_view address;
};
std::optional<Rtcp> parseRtcp(std::string_view value);
void appendRtcp(std::string& out, std::uint16_t port, std::string_view addrType,
                std::string_view address);

/// a=crypto:<tag> <crypto-suite> <key-params> [<session-params>] (RFC 4568 §9.1).
struct Crypto {
  std::uint32_t tag = 0;  // 1..9 digits
  std::string_view suite;
  std::string_view keyParams;      // "inline:...|2^20|1:32;inline:..."
  std::string_view sessionParams;  // everything after the key params, may be empty
};
std::optional<Crypto> parseCrypto(std::string_view value);
void appendCrypto(std::string& out, const Crypto& c);

/// One key parameter of a crypto attribute: "inline:<key||salt>[|<lifetime>][|<mki>:<len>]".
struct CryptoKey {
  std::string_view method;   // "inline"
  std::string_view keySalt;  // base64
  std::string_view lifetime;
  std::string_view mki;  // "1:4" (value:length)
};
/// The first key parameter of `keyParams` (RFC 4568 §9.1 allows several, ';'-separated).
std::optional<CryptoKey> parseCryptoKey(std::string_view keyParams);

/// a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
/// [extensions] (RFC 8839 §5.1).
struct Candidate {
  std::string_view foundation;
  std::uint16_t component = 0;
  std::string_view transport;
  std::uint32_t priority = 0;
  std::string_view address;
  std::uint16_t port = 0;
  std::string_view type;
  std::string_view extensions;  // "raddr ... rport ... generation 0", may be empty
};
std::optional<Candidate> parseCandidate(std::string_view value);

/// ICE attribute names (RFC 8839 §5): removed together when a leg does not do ICE.
bool isIceAttribute(std::string_view name);

/// a=fingerprint:<hash-func> <fingerprint> (RFC 8122 §5); recognised, not verified.
struct Fingerprint {
  std::string_view hashFunction;
  std::string_view value;
};
std::optional<Fingerprint> parseFingerprint(std::string_view value);

/// a=setup (RFC 4145 §4).
enum class Setup : std::uint8_t { Active, Passive, ActPass, HoldConn };
std::optional<Setup> parseSetup(std::string_view value);

}  // namespace trunkline::sdp
