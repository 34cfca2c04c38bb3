#include "sdp/values.h"

#include <charconv>

#include <fmt/format.h>

#include "base/strings.h"

namespace trunkline::sdp {

namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t';
}

// A token for the fields that RFC 8866 defines as `token` or `non-ws-string`: not empty
// and free of spaces (nextToken guarantees that) and control bytes.
bool plainToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return false;
  return true;
}

std::string_view rest(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

bool isToken(std::string_view s) {
  return plainToken(s);
}

std::string_view directionName(Direction d) {
  switch (d) {
    case Direction::SendRecv: return "sendrecv";
    case Direction::SendOnly: return "sendonly";
    case Direction::RecvOnly: return "recvonly";
    case Direction::Inactive: return "inactive";
  }
  return "sendrecv";
}

std::optional<Direction> directionFromName(std::string_view name) {
  if (name == "sendrecv") return Direction::SendRecv;
  if (name == "sendonly") return Direction::SendOnly;
  if (name == "recvonly") return Direction::RecvOnly;
  if (name == "inactive") return Direction::Inactive;
  return std::nullopt;
}

std::optional<std::uint64_t> parseUnsigned(std::string_view s, std::uint64_t max) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  for (char c : s)
    if (c < '0' || c > '9') return std::nullopt;
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

std::optional<std::uint8_t> parsePayloadType(std::string_view s) {
  auto v = parseUnsigned(s, 127);
  if (!v) return std::nullopt;
  return static_cast<std::uint8_t>(*v);
}

std::string_view nextToken(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && isSpace(s[i])) ++i;
  std::size_t start = i;
  while (i < s.size() && !isSpace(s[i])) ++i;
  std::string_view token = s.substr(start, i - start);
  while (i < s.size() && isSpace(s[i])) ++i;
  s.remove_prefix(i);
  return token;
}

Attribute parseAttribute(std::string_view v) {
  Attribute a;
  std::size_t colon = v.find(':');
  if (colon == std::string_view::npos) {
    a.name = v;
  } else {
    a.name = v.substr(0, colon);
    a.value = v.substr(colon + 1);
    a.hasValue = true;
  }
  return a;
}

std::optional<std::uint64_t> Origin::version() const {
  return parseUnsigned(sessionVersion, UINT64_MAX);
}

std::optional<Origin> parseOrigin(std::string_view v) {
  Origin o;
  o.username = nextToken(v);
  o.sessionId = nextToken(v);
  o.sessionVersion = nextToken(v);
  o.netType = nextToken(v);
  o.addrType = nextToken(v);
  o.address = nextToken(v);
  if (!v.empty()) return std::nullopt;
  for (std::string_view f :
       {o.username, o.sessionId, o.sessionVersion, o.netType, o.addrType, o.address})
    if (!plainToken(f)) return std::nullopt;
  // sess-id and sess-version are 1*DIGIT; some stacks exceed 64 bits in sess-id, which is
  // harmless, so only digits are required there.
  for (char c : o.sessionId)
    if (c < '0' || c > '9') return std::nullopt;
  for (char c : o.sessionVersion)
    if (c < '0' || c > '9') return std::nullopt;
  return o;
}

void appendOrigin(std::string& out, const Origin& o) {
  fmt::format_to(std::back_inserter(out), "{} {} {} {} {} {}", o.username, o.sessionId,
                 o.sessionVersion, o.netType, o.addrType, o.address);
}

bool Connection::isNullAddress() const {
  return (isIp4() && address == "0.0.0.0") || (isIp6() && address == "::");
}

std::optional<Connection> parseConnection(std::string_view v) {
  Connection c;
  c.netType = nextToken(v);
  c.addrType = nextToken(v);
  std::string_view addr = nextToken(v);
  if (!v.empty() || !plainToken(c.netType) || !plainToken(c.addrType) || !plainToken(addr))
    return std::nullopt;
  std::size_t slash = addr.find('/');
  if (slash != std::string_view::npos) {
    c.suffix = addr.substr(slash);
    addr = addr.substr(0, slash);
    if (addr.empty()) return std::nullopt;
  }
  c.address = addr;
  return c;
}

void appendConnection(std::string& out, std::string_view addrType, std::string_view address) {
  fmt::format_to(std::back_inserter(out), "IN {} {}", addrType, address);
}

std::optional<MediaLine> parseMediaLine(std::string_view v, std::size_t maxFormats) {
  MediaLine m;
  m.media = nextToken(v);
  std::string_view port = nextToken(v);
  m.proto = nextToken(v);
  if (!plainToken(m.media) || !plainToken(m.proto)) return std::nullopt;
  std::size_t slash = port.find('/');
  std::string_view count;
  if (slash != std::string_view::npos) {
    count = port.substr(slash + 1);
    port = port.substr(0, slash);
    auto n = parseUnsigned(count, 65535);
    if (!n || *n == 0) return std::nullopt;
    m.portCount = static_cast<std::uint16_t>(*n);
  }
  auto p = parseUnsigned(port, 65535);
  if (!p) return std::nullopt;
  m.port = static_cast<std::uint16_t>(*p);
  while (!v.empty()) {
    std::string_view f = nextToken(v);
    if (!plainToken(f)) return std::nullopt;
    if (m.formats.size() >= maxFormats) return std::nullopt;
    m.formats.push_back(f);
  }
  if (m.formats.empty() && m.port != 0) return std::nullopt;
  return m;
}

void appendMediaLine(std::string& out, const MediaLine& m) {
  out.append(m.media);
  out.push_back(' ');
  fmt::format_to(std::back_inserter(out), "{}", m.port);
  if (m.portCount != 0) fmt::format_to(std::back_inserter(out), "/{}", m.portCount);
  out.push_back(' ');
  out.append(m.proto);
  for (std::string_view f : m.formats) {
    out.push_back(' ');
    out.append(f);
  }
}

bool isRtpProto(std::string_view proto) {
  // RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVP(F), TCP/RTP/AVP...
  return proto.find("RTP/") != std::string_view::npos;
}

bool isSecureRtpProto(std::string_view proto) {
  return isRtpProto(proto) && proto.find("SAVP") != std::string_view::npos;
}

std::optional<Bandwidth> parseBandwidth(std::string_view v) {
  std::size_t colon = v.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto value = parseUnsigned(v.substr(colon + 1), UINT64_MAX);
  if (!value) return std::nullopt;
  return Bandwidth{v.substr(0, colon), *value};
}

std::optional<RtpMap> parseRtpMap(std::string_view v) {
  RtpMap r;
  auto pt = parsePayloadType(nextToken(v));
  if (!pt) return std::nullopt;
  r.payloadType = *pt;
  std::string_view enc = rest(v);
  std::size_t s1 = enc.find('/');
  if (s1 == std::string_view::npos || s1 == 0) return std::nullopt;
  r.name = enc.substr(0, s1);
  std::string_view after = enc.substr(s1 + 1);
  std::size_t s2 = after.find('/');
  std::string_view clock = after.substr(0, s2);
  auto rate = parseUnsigned(clock, UINT32_MAX);
  if (!rate || *rate == 0) return std::nullopt;
  r.clockRate = static_cast<std::uint32_t>(*rate);
  if (s2 != std::string_view::npos) {
    auto ch = parseUnsigned(after.substr(s2 + 1), 255);
    if (!ch || *ch == 0) return std::nullopt;
    r.channels = static_cast<std::uint8_t>(*ch);
  }
  for (char c : r.name)
    if (static_cast<unsigned char>(c) <= 0x20) return std::nullopt;
  return r;
}

std::optional<Fmtp> parseFmtp(std::string_view v) {
  Fmtp f;
  f.format = nextToken(v);
  if (!plainToken(f.format)) return std::nullopt;
  f.params = rest(v);
  return f;
}

std::string_view formatOfAttribute(const Attribute& a) {
  if (!a.hasValue) return {};
  if (a.name != "rtpmap" && a.name != "fmtp" && a.name != "rtcp-fb") return {};
  std::string_view v = a.value;
  return nextToken(v);
}

std::optional<Rtcp> parseRtcp(std::string_view v) {
  Rtcp r;
  auto port = parseUnsigned(nextToken(v), 65535);
  if (!port) return std::nullopt;
  r.port = static_cast<std::uint16_t>(*port);
  if (v.empty()) return r;
  r.netType = nextToken(v);
  r.addrType = nextToken(v);
  r.address = nextToken(v);
  if (!v.empty() || !plainToken(r.netType) || !plainToken(r.addrType) || !plainToken(r.address))
    return std::nullopt;
  return r;
}

void appendRtcp(std::string& out, std::uint16_t port, std::string_view addrType,
                std::string_view address) {
  fmt::format_to(std::back_inserter(out), "{}", port);
  if (!address.empty()) fmt::format_to(std::back_inserter(out), " IN {} {}", addrType, address);
}

std::optional<Crypto> parseCrypto(std::string_view v) {
  Crypto c;
  std::string_view tag = nextToken(v);
  if (tag.size() > 9) return std::nullopt;
  auto t = parseUnsigned(tag, 999999999);
  if (!t) return std::nullopt;
  c.tag = static_cast<std::uint32_t>(*t);
  c.suite = nextToken(v);
  c.keyParams = nextToken(v);
  if (!plainToken(c.suite) || !plainToken(c.keyParams)) return std::nullopt;
  c.sessionParams = rest(v);
  return c;
}

void appendCrypto(std::string& out, const Crypto& c) {
  fmt::format_to(std::back_inserter(out), "{} {} {}", c.tag, c.suite, c.keyParams);
  if (!c.sessionParams.empty()) {
    out.push_back(' ');
    out.append(c.sessionParams);
  }
}

std::optional<CryptoKey> parseCryptoKey(std::string_view keyParams) {
  std::string_view first = keyParams.substr(0, keyParams.find(';'));
  std::size_t colon = first.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  CryptoKey k;
  k.method = first.substr(0, colon);
  std::string_view info = first.substr(colon + 1);
  std::size_t bar = info.find('|');
  k.keySalt = info.substr(0, bar);
  if (k.keySalt.empty()) return std::nullopt;
  while (bar != std::string_view::npos) {
    info = info.substr(bar + 1);
    bar = info.find('|');
    std::string_view part = info.substr(0, bar);
    // The MKI part has a ':' (value:length); a lifetime is a number or "2^n".
    if (part.find(':') != std::string_view::npos) {
      k.mki = part;
    } else {
      k.lifetime = part;
    }
  }
  return k;
}

std::optional<Candidate> parseCandidate(std::string_view v) {
  Candidate c;
  c.foundation = nextToken(v);
  auto component = parseUnsigned(nextToken(v), 256);
  c.transport = nextToken(v);
  auto priority = parseUnsigned(nextToken(v), UINT32_MAX);
  c.address = nextToken(v);
  auto port = parseUnsigned(nextToken(v), 65535);
  std::string_view typ = nextToken(v);
  c.type = nextToken(v);
  if (!plainToken(c.foundation) || !component || *component == 0 || !plainToken(c.transport) ||
      !priority || !plainToken(c.address) || !port || typ != "typ" || !plainToken(c.type))
    return std::nullopt;
  c.component = static_cast<std::uint16_t>(*component);
  c.priority = static_cast<std::uint32_t>(*priority);
  c.port = static_cast<std::uint16_t>(*port);
  c.extensions = rest(v);
  return c;
}

bool isIceAttribute(std::string_view name) {
  return name == "candidate" || name == "ice-ufrag" || name == "ice-pwd" || name == "ice-options" ||
         name == "ice-lite" || name == "ice-mismatch" || name == "end-of-candidates" ||
         name == "remote-candidates" || name == "ice-pacing";
}

std::optional<Fingerprint> parseFingerprint(std::string_view v) {
  Fingerprint f;
  f.hashFunction = nextToken(v);
  f.value = nextToken(v);
  if (!v.empty() || !plainToken(f.hashFunction) || !plainToken(f.value)) return std::nullopt;
  return f;
}

std::optional<Setup> parseSetup(std::string_view v) {
  v = rest(v);
  if (base::iequals(v, "active")) return Setup::Active;
  if (base::iequals(v, "passive")) return Setup::Passive;
  if (base::iequals(v, "actpass")) return Setup::ActPass;
  if (base::iequals(v, "holdconn")) return Setup::HoldConn;
  return std::nullopt;
}

}  // namespace trunkline::sdp
