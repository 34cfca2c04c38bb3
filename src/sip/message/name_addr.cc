// name-addr / addr-spec values (RFC 3261 §20.10, §25.1): From, To, Contact, Route,
// Record-Route, Reply-To, Refer-To...
#include "sip/message/chars.h"
#include "sip/message/internal.h"
#include "sip/message/types.h"

namespace trunkline::sip {

using detail::failAt;

namespace {

tl::unexpected<ParseError> shift(ParseError e, std::size_t by) {
  e.offset += static_cast<std::uint32_t>(by);
  return tl::unexpected<ParseError>(e);
}

ParseResult<void> parseOne(std::string_view s, std::size_t& pos, NameAddr& out) {
  std::size_t p = detail::skipLws(s, pos);
  if (p >= s.size() || s[p] == ',') return failAt(ParseErrc::BadNameAddr, p, "empty address");
  if (s[p] == '*') {
    std::size_t q = detail::skipLws(s, p + 1);
    if (q >= s.size() || s[q] == ',') {
      out.wildcard = true;
      pos = p + 1;
      return {};
    }
  }
  if (s[p] == '"') {
    std::size_t e = detail::scanQuotedString(s, p);
    if (e == std::string_view::npos) {
      return failAt(ParseErrc::BadQuotedString, p, "unterminated quoted string");
    }
    out.displayName = s.substr(p, e - p);
    p = detail::skipLws(s, e);
    if (p >= s.size() || s[p] != '<') {
      return failAt(ParseErrc::BadNameAddr, p, "expected '<' after display name");
    }
  } else if (s[p] != '<') {
    // Either a display name of tokens followed by '<', or an addr-spec.
    std::size_t q = p;
    std::size_t lastEnd = p;
    for (;;) {
      std::size_t n = detail::spanOf(s, q, detail::kToken);
      if (n == 0) break;
      q += n;
      lastEnd = q;
      q = detail::skipLws(s, q);
    }
    if (lastEnd > p && q < s.size() && s[q] == '<') {
      // RFC 4475 §3.1.1.6: no LWS before '<' is tolerated (a known ABNF slip).
      out.displayName = s.substr(p, lastEnd - p);
      p = q;
    } else {
      std::size_t e = p;
      while (e < s.size() && !detail::isLws(s[e]) && s[e] != ';' && s[e] != ',' && s[e] != '?' &&
             s[e] != '<' && s[e] != '>' && s[e] != '"') {
        ++e;
      }
      if (e < s.size() && s[e] == '?') {
        // §20.10: a URI with headers (or ',' ';' '?') must be in name-addr form.
        return failAt(ParseErrc::BadNameAddr, e, "URI with headers must be enclosed in <>");
      }
      auto uri = detail::parseUriInto(s.substr(p, e - p), out.uri);
      if (!uri) return shift(uri.error(), p);
      p = e;
    }
  }
  if (p < s.size() && s[p] == '<') {
    std::size_t close = s.find('>', p + 1);
    if (close == std::string_view::npos) return failAt(ParseErrc::BadNameAddr, p, "missing '>'");
    std::string_view text = s.substr(p + 1, close - p - 1);
    if (text.empty() || detail::isLws(text.front()) || detail::isLws(text.back())) {
      return failAt(ParseErrc::BadNameAddr, p, "whitespace inside <>");
    }
    auto uri = detail::parseUriInto(text, out.uri);
    if (!uri) return shift(uri.error(), p + 1);
    p = close + 1;
  }
  std::size_t e = detail::scanParams(s, p);
  if (e == std::string_view::npos) return failAt(ParseErrc::BadNameAddr, p, "bad parameter");
  if (e > p) {
    std::size_t semi = detail::skipLws(s, p);
    out.params.raw = s.substr(semi, e - semi);
  }
  pos = e;
  return {};
}

}  // namespace

ParseResult<void> detail::parseNameAddrInto(std::string_view value, NameAddr& out) {
  std::size_t pos = 0;
  auto r = parseOne(value, pos, out);
  if (!r) return r;
  std::size_t p = detail::skipLws(value, pos);
  if (p != value.size()) {
    return failAt(ParseErrc::BadNameAddr, p,
                  value[p] == ',' ? "more than one address" : "unexpected character");
  }
  return {};
}

ParseResult<NameAddr> parseNameAddr(std::string_view value) {
  NameAddr out;
  auto r = detail::parseNameAddrInto(value, out);
  if (!r) return tl::unexpected(r.error());
  return out;
}

ParseResult<std::size_t> parseNameAddrList(std::string_view value, std::vector<NameAddr>& out) {
  std::size_t pos = 0;
  std::size_t count = 0;
  bool wildcard = false;
  for (;;) {
    NameAddr one;
    auto r = parseOne(value, pos, one);
    if (!r) return tl::unexpected(r.error());
    wildcard = wildcard || one.wildcard;
    out.push_back(one);
    ++count;
    std::size_t p = detail::skipLws(value, pos);
    if (p == value.size()) break;
    if (value[p] != ',') return failAt(ParseErrc::BadNameAddr, p, "unexpected character");
    pos = p + 1;
  }
  if (wildcard && count > 1) {
    return failAt(ParseErrc::BadNameAddr, 0, "'*' must be the only value");
  }
  return count;
}

}  // namespace trunkline::sip
