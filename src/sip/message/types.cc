// ParseError texts, methods and the lazy parameter list.
#include <algorithm>
#include <string>

#include "sip/message/chars.h"
#include "sip/message/internal.h"
#include "sip/message/types.h"

namespace trunkline::sip {

std::string_view describe(ParseErrc e) {
  switch (e) {
    case ParseErrc::Empty: return "Empty message";
    case ParseErrc::TooLarge: return "Message too large";
    case ParseErrc::BadStartLine: return "Bad start line";
    case ParseErrc::BadMethod: return "Bad method";
    case ParseErrc::BadRequestUri: return "Bad Request-URI";
    case ParseErrc::BadVersion: return "Unsupported SIP version";
    case ParseErrc::BadStatusCode: return "Bad status code";
    case ParseErrc::BadHeaderLine: return "Bad header line";
    case ParseErrc::TooManyHeaders: return "Too many header fields";
    case ParseErrc::UnterminatedHeaders: return "Header section not terminated";
    case ParseErrc::MissingHeader: return "Missing mandatory header field";
    case ParseErrc::DuplicateHeader: return "Header field allowed once appears more than once";
    case ParseErrc::BadVia: return "Bad Via";
    case ParseErrc::BadFrom: return "Bad From";
    case ParseErrc::BadTo: return "Bad To";
    case ParseErrc::BadCallId: return "Bad Call-ID";
    case ParseErrc::BadCSeq: return "Bad CSeq";
    case ParseErrc::CSeqMethodMismatch: return "Bad CSeq: method does not match request method";
    case ParseErrc::BadMaxForwards: return "Bad Max-Forwards";
    case ParseErrc::BadContentLength: return "Bad Content-Length";
    case ParseErrc::BodyTooShort: return "Bad Content-Length: larger than the body received";
    case ParseErrc::BadContact: return "Bad Contact";
    case ParseErrc::BadExpires: return "Bad Expires";
    case ParseErrc::BadUri: return "Bad URI";
    case ParseErrc::BadQuotedString: return "Bad quoted string";
    case ParseErrc::BadNameAddr: return "Bad address";
    case ParseErrc::BadHeaderValue: return "Bad header value";
  }
  return "Bad request";
}

std::string ParseError::text() const {
  std::string out(describe(code));
  if (!header.empty() && (code == ParseErrc::MissingHeader || code == ParseErrc::DuplicateHeader ||
                          code == ParseErrc::BadHeaderValue)) {
    out += ": ";
    out += header;
    if (!detail.empty()) {
      out += ", ";
      out += detail;
    }
    return out;
  }
  if (!detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

Method methodFromText(std::string_view t) {
  // Method names are case-sensitive (RFC 3261 §7.1): "invite" is an unknown method.
  switch (t.size()) {
    case 3:
      if (t == "ACK") return Method::Ack;
      if (t == "BYE") return Method::Bye;
      break;
    case 4:
      if (t == "INFO") return Method::Info;
      break;
    case 5:
      if (t == "PRACK") return Method::Prack;
      if (t == "REFER") return Method::Refer;
      break;
    case 6:
      if (t == "INVITE") return Method::Invite;
      if (t == "CANCEL") return Method::Cancel;
      if (t == "UPDATE") return Method::Update;
      if (t == "NOTIFY") return Method::Notify;
      break;
    case 7:
      if (t == "OPTIONS") return Method::Options;
      if (t == "MESSAGE") return Method::Message;
      if (t == "PUBLISH") return Method::Publish;
      break;
    case 8:
      if (t == "REGISTER") return Method::Register;
      break;
    case 9:
      if (t == "SUBSCRIBE") return Method::Subscribe;
      break;
    default: break;
  }
  return Method::Unknown;
}

std::string_view methodName(Method m) {
  switch (m) {
    case Method::Unknown: return "";
    case Method::Invite: return "INVITE";
    case Method::Ack: return "ACK";
    case Method::Bye: return "BYE";
    case Method::Cancel: return "CANCEL";
    case Method::Options: return "OPTIONS";
    case Method::Register: return "REGISTER";
    case Method::Prack: return "PRACK";
    case Method::Update: return "UPDATE";
    case Method::Info: return "INFO";
    case Method::Subscribe: return "SUBSCRIBE";
    case Method::Notify: return "NOTIFY";
    case Method::Refer: return "REFER";
    case Method::Message: return "MESSAGE";
    case Method::Publish: return "PUBLISH";
  }
  return "";
}

namespace detail {

std::size_t scanQuotedString(std::string_view s, std::size_t pos) {
  // qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII; quoted-pair = "\" any octet
  // of %x00-09 / %x0B-0C / %x0E-7F (so CR and LF may not be escaped).
  std::size_t p = pos + 1;
  while (p < s.size()) {
    auto c = static_cast<unsigned char>(s[p]);
    if (c == '"') return p + 1;
    if (c == '\\') {
      if (p + 1 >= s.size()) return std::string_view::npos;
      auto e = static_cast<unsigned char>(s[p + 1]);
      if (e == '\r' || e == '\n' || e > 0x7F) return std::string_view::npos;
      p += 2;
      continue;
    }
    if (c == '\r' || c == '\n') {
      // Only a fold (CRLF or LF followed by WSP) may appear inside.
      std::size_t q = p;
      if (c == '\r') {
        if (q + 1 >= s.size() || s[q + 1] != '\n') return std::string_view::npos;
        ++q;
      }
      if (q + 1 >= s.size() || !isWsp(s[q + 1])) return std::string_view::npos;
      p = q + 1;
      continue;
    }
    if (c < 0x20 && c != '\t') return std::string_view::npos;
    if (c == 0x7F) return std::string_view::npos;
    ++p;
  }
  return std::string_view::npos;
}

std::size_t scanParams(std::string_view s, std::size_t pos) {
  std::size_t end = pos;
  std::size_t p = pos;
  for (;;) {
    p = skipLws(s, p);
    if (p >= s.size() || s[p] == ',') return end;
    if (s[p] != ';') return std::string_view::npos;
    p = skipLws(s, p + 1);
    std::size_t n = spanOf(s, p, kToken);
    if (n == 0) return std::string_view::npos;  // ";;" or a dangling ';'
    p += n;
    end = p;
    std::size_t q = skipLws(s, p);
    if (q < s.size() && s[q] == '=') {
      q = skipLws(s, q + 1);
      if (q < s.size() && s[q] == '"') {
        std::size_t e = scanQuotedString(s, q);
        if (e == std::string_view::npos) return e;
        p = e;
      } else {
        std::size_t v = spanOf(s, q, kGenValue);
        if (v == 0) return std::string_view::npos;
        p = q + v;
      }
      end = p;
    }
  }
}

bool nextParam(std::string_view raw, std::size_t& pos, Param& out) {
  std::size_t p = pos;
  while (p < raw.size() && (isLws(raw[p]) || raw[p] == ';')) ++p;
  if (p >= raw.size()) {
    pos = p;
    return false;
  }
  std::size_t nameStart = p;
  while (p < raw.size() && raw[p] != ';' && raw[p] != '=' && !isLws(raw[p])) ++p;
  out.name = raw.substr(nameStart, p - nameStart);
  out.value = {};
  out.hasValue = false;
  std::size_t q = skipLws(raw, p);
  if (q < raw.size() && raw[q] == '=') {
    q = skipLws(raw, q + 1);
    std::size_t vs = q;
    if (q < raw.size() && raw[q] == '"') {
      std::size_t e = scanQuotedString(raw, q);
      q = e == std::string_view::npos ? raw.size() : e;
    } else {
      while (q < raw.size() && raw[q] != ';' && !isLws(raw[q])) ++q;
    }
    out.value = raw.substr(vs, q - vs);
    out.hasValue = true;
    p = q;
  }
  pos = p;
  return true;
}

}  // namespace detail

std::optional<std::string_view> ParamList::get(std::string_view name) const {
  std::size_t pos = 0;
  Param p;
  while (detail::nextParam(raw, pos, p)) {
    if (detail::iequals(p.name, name)) return p.value;
  }
  return std::nullopt;
}

bool ParamList::has(std::string_view name) const {
  return get(name).has_value();
}

std::vector<Param> ParamList::all() const {
  std::vector<Param> out;
  std::size_t pos = 0;
  Param p;
  while (detail::nextParam(raw, pos, p)) out.push_back(p);
  return out;
}

std::size_t splitList(std::string_view value, std::vector<std::string_view>& out) {
  std::size_t count = 0;
  std::size_t start = 0;
  bool inQuotes = false;
  bool inAngle = false;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size()) {
      const char c = value[i];
      if (inQuotes) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          inQuotes = false;
        }
        continue;
      }
      if (c == '"') {
        inQuotes = true;
        continue;
      }
      if (c == '<') inAngle = true;
      if (c == '>') inAngle = false;
      if (c != ',' || inAngle) continue;
    }
    std::string_view item = detail::trimLws(value.substr(start, std::min(i, value.size()) - start));
    if (!item.empty()) {
      out.push_back(item);
      ++count;
    }
    start = i + 1;
  }
  return count;
}

ParseResult<std::uint32_t> parseDeltaSeconds(std::string_view value) {
  std::uint64_t v = 0;
  if (!detail::parseDecimal(detail::trimLws(value), 0xFFFFFFFFull, v)) {
    return detail::failAt(ParseErrc::BadExpires, 0, "not a number of seconds below 2^32");
  }
  return static_cast<std::uint32_t>(v);
}

}  // namespace trunkline::sip
