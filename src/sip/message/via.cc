// Via (RFC 3261 §20.42, §25.1; RFC 3581 rport; RFC 5118 IPv6 received) and CSeq (§20.16).
#include "sip/message/chars.h"
#include "sip/message/internal.h"
#include "sip/message/types.h"

namespace trunkline::sip {

using detail::failAt;

namespace {

// sent-protocol = protocol-name SLASH protocol-version SLASH transport, where SLASH
// allows LWS on both sides.
bool scanProtocol(std::string_view s, std::size_t& p, Via& v) {
  std::size_t start = p;
  std::size_t n = detail::spanOf(s, p, detail::kToken);
  if (n == 0) return false;
  p += n;
  p = detail::skipLws(s, p);
  if (p >= s.size() || s[p] != '/') return false;
  p = detail::skipLws(s, p + 1);
  n = detail::spanOf(s, p, detail::kToken);
  if (n == 0) return false;
  p += n;
  v.protocol = s.substr(start, p - start);
  p = detail::skipLws(s, p);
  if (p >= s.size() || s[p] != '/') return false;
  p = detail::skipLws(s, p + 1);
  n = detail::spanOf(s, p, detail::kToken);
  if (n == 0) return false;
  v.transport = s.substr(p, n);
  p += n;
  return true;
}

ParseResult<void> parseOneVia(std::string_view s, std::size_t& pos, Via& v) {
  std::size_t p = detail::skipLws(s, pos);
  if (!scanProtocol(s, p, v)) return failAt(ParseErrc::BadVia, p, "bad sent-protocol");
  std::size_t afterProto = p;
  p = detail::skipLws(s, p);
  if (p == afterProto || p >= s.size()) return failAt(ParseErrc::BadVia, p, "missing sent-by");
  std::size_t hostStart = p;
  if (s[p] == '[') {
    std::size_t close = s.find(']', p);
    if (close == std::string_view::npos) {
      return failAt(ParseErrc::BadVia, p, "unterminated IPv6 reference");
    }
    v.host = s.substr(p + 1, close - p - 1);
    v.hostIsIpv6 = true;
    if (!detail::isIpv6Address(v.host)) return failAt(ParseErrc::BadVia, p, "bad IPv6 address");
    p = close + 1;
  } else {
    std::size_t n = detail::spanOf(s, p, detail::kHost);
    v.host = s.substr(p, n);
    if (!detail::isHostName(v.host)) return failAt(ParseErrc::BadVia, p, "bad sent-by host");
    p += n;
  }
  std::size_t sentByEnd = p;
  std::size_t q = detail::skipLws(s, p);
  if (q < s.size() && s[q] == ':') {
    q = detail::skipLws(s, q + 1);
    std::size_t n = detail::spanOf(s, q, detail::kDigit);
    std::uint64_t port = 0;
    if (n == 0 || !detail::parseDecimal(s.substr(q, n), 65535, port)) {
      return failAt(ParseErrc::BadVia, q, "bad port");
    }
    v.port = static_cast<std::uint16_t>(port);
    p = q + n;
    sentByEnd = p;
  }
  v.sentBy = s.substr(hostStart, sentByEnd - hostStart);
  std::size_t e = detail::scanParams(s, p);
  if (e == std::string_view::npos) return failAt(ParseErrc::BadVia, p, "bad parameter");
  if (e > p) {
    std::size_t semi = detail::skipLws(s, p);
    v.params.raw = s.substr(semi, e - semi);
    std::size_t it = 0;
    Param prm;
    while (detail::nextParam(v.params.raw, it, prm)) {
      const char first = detail::lower(prm.name.empty() ? '\0' : prm.name[0]);
      if (first == 'b' && detail::iequals(prm.name, "branch")) {
        if (!prm.hasValue || prm.value.empty() ||
            detail::spanOf(prm.value, 0, detail::kToken) != prm.value.size()) {
          return failAt(ParseErrc::BadVia, semi, "bad branch");
        }
        v.branch = prm.value;
      } else if (first == 'r' && detail::iequals(prm.name, "received")) {
        std::string_view r = prm.value;
        // RFC 5118 §4.5: accept the address with or without IPv6 brackets.
        if (r.size() > 2 && r.front() == '[' && r.back() == ']') r = r.substr(1, r.size() - 2);
        if (!detail::isIpv4Address(r) && !detail::isIpv6Address(r)) {
          return failAt(ParseErrc::BadVia, semi, "bad received address");
        }
        v.received = r;
      } else if (first == 'r' && detail::iequals(prm.name, "rport")) {
        v.rport = true;
        if (prm.hasValue) {
          std::uint64_t port = 0;
          if (!detail::parseDecimal(prm.value, 65535, port)) {
            return failAt(ParseErrc::BadVia, semi, "bad rport");
          }
          v.rportValue = static_cast<std::uint16_t>(port);
        }
      } else if (first == 't' && detail::iequals(prm.name, "ttl")) {
        std::uint64_t ttl = 0;
        if (!detail::parseDecimal(prm.value, 255, ttl)) {
          return failAt(ParseErrc::BadVia, semi, "bad ttl");
        }
      }
    }
  }
  pos = e;
  return {};
}

}  // namespace

ParseResult<std::size_t> parseViaList(std::string_view value, std::vector<Via>& out) {
  std::size_t pos = 0;
  std::size_t count = 0;
  for (;;) {
    Via v;
    auto r = parseOneVia(value, pos, v);
    if (!r) return tl::unexpected(r.error());
    out.push_back(v);
    ++count;
    std::size_t p = detail::skipLws(value, pos);
    if (p == value.size()) break;
    if (value[p] != ',') return failAt(ParseErrc::BadVia, p, "unexpected character");
    pos = p + 1;
  }
  return count;
}

/// The first value of a Via field only: what the hot path needs (top Via).
ParseResult<void> parseFirstVia(std::string_view value, Via& v) {
  std::size_t pos = 0;
  auto r = parseOneVia(value, pos, v);
  if (!r) return r;
  std::size_t p = detail::skipLws(value, pos);
  if (p != value.size() && value[p] != ',') {
    return failAt(ParseErrc::BadVia, p, "unexpected character");
  }
  return {};
}

ParseResult<CSeq> parseCSeq(std::string_view value) {
  CSeq c;
  std::size_t p = detail::skipLws(value, 0);
  std::size_t n = detail::spanOf(value, p, detail::kDigit);
  std::uint64_t number = 0;
  // §8.1.1.5: the sequence number must be below 2^31.
  if (n == 0 || !detail::parseDecimal(value.substr(p, n), 0x7FFFFFFFull, number)) {
    return failAt(ParseErrc::BadCSeq, p, "sequence number is not a number below 2^31");
  }
  c.number = static_cast<std::uint32_t>(number);
  std::size_t q = detail::skipLws(value, p + n);
  if (q == p + n) return failAt(ParseErrc::BadCSeq, q, "missing method");
  std::size_t m = detail::spanOf(value, q, detail::kToken);
  if (m == 0) return failAt(ParseErrc::BadCSeq, q, "bad method");
  c.methodText = value.substr(q, m);
  c.method = methodFromText(c.methodText);
  if (detail::skipLws(value, q + m) != value.size()) {
    return failAt(ParseErrc::BadCSeq, q + m, "unexpected character");
  }
  return c;
}

}  // namespace trunkline::sip
