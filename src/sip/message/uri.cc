// URIs: sip/sips (RFC 3261 §19.1, §25.1), tel (RFC 3966), other absolute URIs; IPv6
// references per RFC 5118; comparison per RFC 3261 §19.1.4.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "sip/message/chars.h"
#include "sip/message/internal.h"
#include "sip/message/types.h"

namespace trunkline::sip {

using detail::failAt;

namespace detail {

bool isIpv4Address(std::string_view s) {
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    std::size_t n = spanOf(s, i, kDigit);
    if (n == 0 || n > 3) return false;
    std::uint64_t v = 0;
    if (!parseDecimal(s.substr(i, n), 255, v)) return false;
    i += n;
    ++parts;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

bool isIpv6Address(std::string_view s) {
  if (s.empty()) return false;
  int groups = 0;
  bool doubleColon = false;
  std::size_t i = 0;
  if (s[0] == ':') {
    if (s.size() < 2 || s[1] != ':') return false;
    doubleColon = true;
    i = 2;
    if (i == s.size()) return true;
  }
  while (i < s.size()) {
    std::size_t segEnd = s.find(':', i);
    if (segEnd == std::string_view::npos) segEnd = s.size();
    std::string_view seg = s.substr(i, segEnd - i);
    if (seg.find('.') != std::string_view::npos) {
      // A dotted IPv4 tail stands for the last two groups.
      if (segEnd != s.size() || !isIpv4Address(seg)) return false;
      groups += 2;
      i = s.size();
      break;
    }
    if (seg.empty() || seg.size() > 4 || spanOf(seg, 0, kHex) != seg.size()) return false;
    ++groups;
    i = segEnd;
    if (i == s.size()) break;
    ++i;  // ':'
    if (i < s.size() && s[i] == ':') {
      if (doubleColon) return false;
      doubleColon = true;
      ++i;
      if (i == s.size()) break;
    } else if (i == s.size()) {
      return false;  // trailing single colon
    }
  }
  return doubleColon ? groups <= 7 : groups == 8;
}

namespace {

enum HostCat : std::uint8_t {
  kBad = 0,
  kHostAlpha = 1,
  kHostDigit = 2,
  kHostHyphen = 4,
  kHostDot = 8
};

constexpr std::array<std::uint8_t, 256> makeHostCats() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = kHostAlpha;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = kHostAlpha;
  for (int c = '0'; c <= '9'; ++c) t[c] = kHostDigit;
  t['-'] = kHostHyphen;
  t['.'] = kHostDot;
  return t;
}

constexpr std::array<std::uint8_t, 256> kHostCats = makeHostCats();

}  // namespace

bool isHostName(std::string_view s) {
  // hostname = *( domainlabel "." ) toplabel [ "." ]; labels of alphanum and inner '-';
  // toplabel starts with a letter. All-numeric names are IPv4 addresses instead.
  std::size_t n = s.size();
  if (n != 0 && s[n - 1] == '.') --n;
  if (n == 0) return false;
  std::uint8_t seen = 0;
  std::uint8_t prev = kHostDot;
  std::size_t labelStart = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t cat = kHostCats[static_cast<unsigned char>(s[i])];
    if (cat == kBad) return false;
    if (cat & (kHostDot | kHostHyphen)) {
      // No empty label, no label starting or ending with '-'.
      if (prev == kHostDot || (cat == kHostDot && prev == kHostHyphen)) return false;
      if (cat == kHostDot) labelStart = i + 1;
    }
    seen |= cat;
    prev = cat;
  }
  if (prev == kHostHyphen) return false;
  if ((seen & (kHostAlpha | kHostHyphen)) == 0) return n == s.size() && isIpv4Address(s);
  return kHostCats[static_cast<unsigned char>(s[labelStart])] == kHostAlpha;
}

}  // namespace detail

namespace {

bool validScheme(std::string_view s) {
  if (s.empty() || !detail::is(s[0], detail::kAlpha)) return false;
  for (char c : s) {
    if (!detail::is(c, detail::kAlpha | detail::kDigit) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// uri-parameters: *( ";" pname [ "=" pvalue ] ), each 1*paramchar.
bool validUriParams(std::string_view raw) {
  std::size_t p = 0;
  while (p < raw.size()) {
    if (raw[p] != ';') return false;
    ++p;
    std::size_t e = raw.find(';', p);
    if (e == std::string_view::npos) e = raw.size();
    std::string_view one = raw.substr(p, e - p);
    std::size_t eq = one.find('=');
    if (eq == std::string_view::npos) {
      if (!detail::isEscapedRun(one, detail::kParam)) return false;
    } else {
      if (!detail::isEscapedRun(one.substr(0, eq), detail::kParam)) return false;
      if (!detail::isEscapedRun(one.substr(eq + 1), detail::kParam)) return false;
    }
    p = e;
  }
  return true;
}

// headers: hname "=" hvalue *( "&" hname "=" hvalue ).
bool validUriHeaders(std::string_view raw) {
  if (raw.empty()) return false;
  std::size_t p = 0;
  while (p <= raw.size()) {
    std::size_t e = raw.find('&', p);
    if (e == std::string_view::npos) e = raw.size();
    std::string_view one = raw.substr(p, e - p);
    std::size_t eq = one.find('=');
    if (eq == std::string_view::npos) return false;
    if (!detail::isEscapedRun(one.substr(0, eq), detail::kHnv)) return false;
    if (!detail::isEscapedRun(one.substr(eq + 1), detail::kHnv, true)) return false;
    p = e + 1;
  }
  return true;
}

ParseResult<void> parseSipRest(std::string_view rest, std::size_t base, Uri& u) {
  std::size_t p = 0;
  std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    std::size_t colon = userinfo.find(':');
    u.user = userinfo.substr(0, colon);
    if (!detail::isEscapedRun(u.user, detail::kUser)) {
      return failAt(ParseErrc::BadUri, base, "bad user part");
    }
    if (colon != std::string_view::npos) {
      u.password = userinfo.substr(colon + 1);
      u.hasPassword = true;
      if (!detail::isEscapedRun(u.password, detail::kPassword, true)) {
        return failAt(ParseErrc::BadUri, base + colon, "bad password");
      }
    }
    p = at + 1;
  }
  if (p < rest.size() && rest[p] == '[') {
    std::size_t close = rest.find(']', p);
    if (close == std::string_view::npos) {
      return failAt(ParseErrc::BadUri, base + p, "unterminated IPv6 reference");
    }
    u.host = rest.substr(p + 1, close - p - 1);
    u.hostIsIpv6 = true;
    if (!detail::isIpv6Address(u.host)) {
      return failAt(ParseErrc::BadUri, base + p, "bad IPv6 address");
    }
    p = close + 1;
  } else {
    std::size_t hs = p;
    while (p < rest.size() && rest[p] != ':' && rest[p] != ';' && rest[p] != '?') ++p;
    u.host = rest.substr(hs, p - hs);
    if (!detail::isHostName(u.host)) return failAt(ParseErrc::BadUri, base + hs, "bad host");
  }
  if (p < rest.size() && rest[p] == ':') {
    std::size_t n = detail::spanOf(rest, p + 1, detail::kDigit);
    std::uint64_t port = 0;
    if (n == 0 || !detail::parseDecimal(rest.substr(p + 1, n), 65535, port)) {
      return failAt(ParseErrc::BadUri, base + p, "bad port");
    }
    u.port = static_cast<std::uint16_t>(port);
    p += 1 + n;
  }
  if (p < rest.size() && rest[p] == ';') {
    std::size_t e = rest.find('?', p);
    if (e == std::string_view::npos) e = rest.size();
    u.params.raw = rest.substr(p, e - p);
    if (!validUriParams(u.params.raw)) {
      return failAt(ParseErrc::BadUri, base + p, "bad URI parameter");
    }
    p = e;
  }
  if (p < rest.size() && rest[p] == '?') {
    u.headers = rest.substr(p + 1);
    if (!validUriHeaders(u.headers)) {
      return failAt(ParseErrc::BadUri, base + p, "bad URI headers");
    }
    p = rest.size();
  }
  if (p != rest.size()) return failAt(ParseErrc::BadUri, base + p, "unexpected character");
  return {};
}

bool isPhoneVisual(char c) {
  return c == '-' || c == '.' || c == '(' || c == ')';
}

ParseResult<void> parseTelRest(std::string_view rest, std::size_t base, Uri& u) {
  std::size_t semi = rest.find(';');
  std::string_view number = rest.substr(0, semi);
  bool global = !number.empty() && number[0] == '+';
  bool sawDigit = false;
  for (std::size_t i = global ? 1 : 0; i < number.size(); ++i) {
    char c = number[i];
    if (detail::is(c, detail::kDigit)) {
      sawDigit = true;
    } else if (!global && (detail::is(c, detail::kHex) || c == '*' || c == '#')) {
      sawDigit = true;
    } else if (!isPhoneVisual(c)) {
      return failAt(ParseErrc::BadUri, base + i, "bad telephone number");
    }
  }
  if (!sawDigit) return failAt(ParseErrc::BadUri, base, "bad telephone number");
  u.user = number;
  if (semi != std::string_view::npos) {
    u.params.raw = rest.substr(semi);
    if (!validUriParams(u.params.raw)) {
      return failAt(ParseErrc::BadUri, base + semi, "bad tel parameter");
    }
  }
  // RFC 3966 §5.1.5: a local number is meaningless without its context.
  if (!global && !u.params.has("phone-context")) {
    return failAt(ParseErrc::BadUri, base, "local number without phone-context");
  }
  return {};
}

bool appendUnescaped(std::string_view s, std::string& out) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      int hi = detail::hexValue(s[i + 1]);
      int lo = detail::hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return true;
}

std::string unescapeLenient(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  if (!appendUnescaped(s, out)) return std::string(s);
  return out;
}

std::string lowerCopy(std::string s) {
  for (char& c : s) c = detail::lower(c);
  return s;
}

using NameValue = std::pair<std::string, std::string>;

std::vector<NameValue> splitParams(const ParamList& params) {
  std::vector<NameValue> out;
  for (const Param& p : params.all()) {
    out.emplace_back(lowerCopy(unescapeLenient(p.name)), lowerCopy(unescapeLenient(p.value)));
  }
  return out;
}

std::vector<NameValue> splitHeaders(std::string_view raw) {
  std::vector<NameValue> out;
  std::size_t p = 0;
  while (!raw.empty() && p <= raw.size()) {
    std::size_t e = raw.find('&', p);
    if (e == std::string_view::npos) e = raw.size();
    std::string_view one = raw.substr(p, e - p);
    std::size_t eq = one.find('=');
    out.emplace_back(
        lowerCopy(unescapeLenient(one.substr(0, eq))),
        eq == std::string_view::npos ? std::string() : unescapeLenient(one.substr(eq + 1)));
    p = e + 1;
  }
  std::sort(out.begin(), out.end());
  return out;
}

const std::string* findParam(const std::vector<NameValue>& v, std::string_view name) {
  for (const auto& nv : v) {
    if (nv.first == name) return &nv.second;
  }
  return nullptr;
}

}  // namespace

ParseResult<void> detail::parseUriInto(std::string_view text, Uri& u) {
  u.text = text;
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || !validScheme(text.substr(0, colon))) {
    return failAt(ParseErrc::BadUri, 0, "bad or missing scheme");
  }
  u.schemeText = text.substr(0, colon);
  std::string_view rest = text.substr(colon + 1);
  if (detail::iequals(u.schemeText, "sip")) {
    u.scheme = UriScheme::Sip;
  } else if (detail::iequals(u.schemeText, "sips")) {
    u.scheme = UriScheme::Sips;
  } else if (detail::iequals(u.schemeText, "tel")) {
    u.scheme = UriScheme::Tel;
  } else {
    u.scheme = UriScheme::Other;
  }
  switch (u.scheme) {
    case UriScheme::Sip:
    case UriScheme::Sips: return parseSipRest(rest, colon + 1, u);
    case UriScheme::Tel: return parseTelRest(rest, colon + 1, u);
    case UriScheme::Other:
      if (!detail::isEscapedRun(rest, detail::kUric)) {
        return failAt(ParseErrc::BadUri, colon + 1, "bad absolute URI");
      }
      break;
  }
  return {};
}

ParseResult<Uri> parseUri(std::string_view text) {
  Uri u;
  auto r = detail::parseUriInto(text, u);
  if (!r) return tl::unexpected(r.error());
  return u;
}

std::optional<std::string> unescape(std::string_view escaped) {
  std::string out;
  out.reserve(escaped.size());
  if (!appendUnescaped(escaped, out)) return std::nullopt;
  return out;
}

bool uriEquivalent(const Uri& a, const Uri& b) {
  if (a.scheme != b.scheme) return false;
  if (a.scheme == UriScheme::Other) {
    return detail::iequals(a.schemeText, b.schemeText) &&
           a.text.substr(a.schemeText.size()) == b.text.substr(b.schemeText.size());
  }
  if (a.scheme == UriScheme::Tel) {
    // RFC 3966 §4: visual separators do not count; parameters compare as sets.
    auto digits = [](std::string_view n) {
      std::string out;
      for (char c : n) {
        if (!isPhoneVisual(c)) out.push_back(detail::lower(c));
      }
      return out;
    };
    if (digits(a.user) != digits(b.user)) return false;
    auto pa = splitParams(a.params);
    auto pb = splitParams(b.params);
    std::sort(pa.begin(), pa.end());
    std::sort(pb.begin(), pb.end());
    return pa == pb;
  }
  // §19.1.4: user and password case-sensitive after unescaping; host case-insensitive;
  // a port present on one side only makes them differ.
  if (unescapeLenient(a.user) != unescapeLenient(b.user)) return false;
  if (a.hasPassword != b.hasPassword) return false;
  if (unescapeLenient(a.password) != unescapeLenient(b.password)) return false;
  if (!detail::iequals(a.host, b.host)) return false;
  if (a.port != b.port) return false;
  auto pa = splitParams(a.params);
  auto pb = splitParams(b.params);
  // These must match even when only one side has them.
  for (std::string_view name : {"user", "ttl", "method", "maddr", "transport"}) {
    const std::string* va = findParam(pa, name);
    const std::string* vb = findParam(pb, name);
    if ((va == nullptr) != (vb == nullptr)) return false;
    if (va != nullptr && *va != *vb) return false;
  }
  // Any other parameter counts only when both sides carry it. A repeated name counts by
  // its first occurrence on each side, so the relation stays reflexive and symmetric.
  for (const auto& nv : pa) {
    const std::string* vb = findParam(pb, nv.first);
    if (vb != nullptr && *vb != *findParam(pa, nv.first)) return false;
  }
  // URI headers must all be present on both sides and agree.
  return splitHeaders(a.headers) == splitHeaders(b.headers);
}

}  // namespace trunkline::sip
