// SipMessage: framing of the start line and header section, O(1) header slots, eager
// validation of the headers every layer reads (RFC 3261 §7, §8.1.1, §18.3, §20).
#include "sip/message/message.h"

#include <algorithm>
#include <cstring>

#include "sip/message/chars.h"
#include "sip/message/internal.h"

namespace trunkline::sip {

using detail::failAt;

namespace {

constexpr std::uint16_t kNone = 0xFFFF;
constexpr std::size_t kReserveHeaders = 24;

bool isSupportedVersion(std::string_view v) {
  return detail::iequals(v, "SIP/2.0");
}

// A header-level error built from a value parser's error: keep its detail and position,
// name the header, and use the header's own code.
tl::unexpected<ParseError> headerError(ParseErrc code, const ParseError& inner,
                                       std::size_t valueOffset, std::string_view header) {
  std::string_view detail = inner.detail.empty() ? describe(inner.code) : inner.detail;
  return failAt(code, valueOffset + inner.offset, detail, header);
}

}  // namespace

ParseResult<SipMessage> SipMessage::parse(std::string_view bytes, const ParseOptions& opts) {
  if (bytes.size() > opts.maxMessageSize) {
    return failAt(ParseErrc::TooLarge, opts.maxMessageSize, "exceeds the size limit");
  }
  auto buf = std::make_unique_for_overwrite<char[]>(bytes.empty() ? 1 : bytes.size());
  if (!bytes.empty()) std::memcpy(buf.get(), bytes.data(), bytes.size());
  return parse(std::move(buf), bytes.size(), opts);
}

ParseResult<SipMessage> SipMessage::parse(std::unique_ptr<char[]> buffer, std::size_t size,
                                          const ParseOptions& opts) {
  if (size > opts.maxMessageSize) {
    return failAt(ParseErrc::TooLarge, opts.maxMessageSize, "exceeds the size limit");
  }
  SipMessage m;
  m.buf_ = std::move(buffer);
  m.size_ = size;
  auto r = m.parseAll(opts);
  if (!r) return tl::unexpected(r.error());
  return m;
}

ParseResult<void> SipMessage::parseAll(const ParseOptions& opts) {
  const char* b = buf_.get();
  const std::size_t n = size_;
  std::size_t p = 0;
  // §7.5: CRLFs before the start line (stream keep-alives) are ignored.
  while (p < n && (b[p] == '\r' || b[p] == '\n')) ++p;
  std::size_t q = p;
  while (q < n && detail::isLws(b[q])) ++q;
  if (q >= n) return failAt(ParseErrc::Empty, 0, "no start line");

  const void* lf = std::memchr(b + p, '\n', n - p);
  if (lf == nullptr) return failAt(ParseErrc::BadStartLine, p, "no line end");
  std::size_t le = static_cast<std::size_t>(static_cast<const char*>(lf) - b);
  std::size_t lineEnd = (le > p && b[le - 1] == '\r') ? le - 1 : le;
  startLineBegin_ = p;
  startLineEnd_ = lineEnd;
  auto r = parseStartLine(std::string_view(b + p, lineEnd - p), p);
  if (!r) return r;
  r = parseHeaderSection(le + 1, opts);
  if (!r) return r;
  return parseMandatory(opts);
}

ParseResult<void> SipMessage::parseStartLine(std::string_view line, std::size_t base) {
  if (line.size() >= 4 && detail::iequals(line.substr(0, 4), "SIP/")) {
    std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos) {
      return failAt(ParseErrc::BadStartLine, base, "status line without status code");
    }
    version_ = line.substr(0, sp);
    if (!isSupportedVersion(version_)) {
      return failAt(ParseErrc::BadVersion, base, "only SIP/2.0 is supported");
    }
    std::string_view rest = line.substr(sp + 1);
    std::uint64_t code = 0;
    if (detail::spanOf(rest, 0, detail::kDigit) != 3 ||
        !detail::parseDecimal(rest.substr(0, 3), 699, code) || code < 100) {
      return failAt(ParseErrc::BadStatusCode, base + sp + 1, "not three digits in 100..699");
    }
    // RFC 4475 §3.1.1.13: the SP before an empty reason is required, but a liberal
    // receiver accepts its absence; we do.
    if (rest.size() > 3) {
      if (rest[3] != ' ') {
        return failAt(ParseErrc::BadStatusCode, base + sp + 4, "not three digits in 100..699");
      }
      reason_ = rest.substr(4);
      for (char c : reason_) {
        auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7F) {
          return failAt(ParseErrc::BadStartLine, base, "control character in reason phrase");
        }
      }
    }
    statusCode_ = static_cast<int>(code);
    return {};
  }

  const void* spp = std::memchr(line.data(), ' ', line.size());
  std::size_t sp1 = spp == nullptr
                        ? std::string_view::npos
                        : static_cast<std::size_t>(static_cast<const char*>(spp) - line.data());
  if (sp1 == std::string_view::npos || sp1 == 0) {
    return failAt(ParseErrc::BadStartLine, base, "not a request line or status line");
  }
  methodText_ = line.substr(0, sp1);
  if (detail::spanOf(methodText_, 0, detail::kToken) != methodText_.size()) {
    return failAt(ParseErrc::BadMethod, base, "method is not a token");
  }
  // §7.1: the elements are separated by exactly one SP and the line ends right after
  // the version (RFC 4475 §3.1.2.9, §3.1.2.10: we reject rather than guess).
  if (detail::isWsp(line.back())) {
    return failAt(ParseErrc::BadStartLine, base + line.size() - 1,
                  "whitespace at the end of the request line");
  }
  std::size_t sp2 = line.size() - 1;
  while (line[sp2] != ' ') --sp2;  // sp1 is a space, so this stops
  if (sp2 == sp1) return failAt(ParseErrc::BadStartLine, base, "missing SIP-Version");
  std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  version_ = line.substr(sp2 + 1);
  if (uri.empty() || detail::isWsp(uri.front()) || detail::isWsp(uri.back())) {
    return failAt(ParseErrc::BadStartLine, base + sp1, "more than one SP between elements");
  }
  if (std::any_of(uri.begin(), uri.end(), [](char c) { return detail::isWsp(c); })) {
    return failAt(ParseErrc::BadRequestUri, base + sp1 + 1, "whitespace inside the URI");
  }
  if (!isSupportedVersion(version_)) {
    return failAt(ParseErrc::BadVersion, base + sp2 + 1, "only SIP/2.0 is supported");
  }
  requestUriText_ = uri;
  auto u = detail::parseUriInto(uri, requestUri_);
  if (!u) {
    std::string_view d = u.error().detail.empty() ? "malformed" : u.error().detail;
    return failAt(ParseErrc::BadRequestUri, base + sp1 + 1 + u.error().offset, d);
  }
  // §19.1.1 (table of URI components): headers are not allowed in a Request-URI
  // (RFC 4475 §3.1.2.11: rejecting is the acceptable choice; we make it).
  if ((requestUri_.scheme == UriScheme::Sip || requestUri_.scheme == UriScheme::Sips) &&
      !requestUri_.headers.empty()) {
    return failAt(ParseErrc::BadRequestUri, base + sp1 + 1,
                  "headers are not allowed in a Request-URI");
  }
  method_ = methodFromText(methodText_);
  return {};
}

ParseResult<void> SipMessage::parseHeaderSection(std::size_t pos, const ParseOptions& opts) {
  const char* b = buf_.get();
  const std::size_t n = size_;
  const std::size_t maxHeaders = std::min<std::size_t>(opts.maxHeaders, kNone - 1);
  headers_.reserve(std::min(maxHeaders, kReserveHeaders));
  first_.fill(kNone);
  count_.fill(0);
  for (;;) {
    if (pos >= n) return failAt(ParseErrc::UnterminatedHeaders, pos, "no empty line");
    char c = b[pos];
    if (c == '\r') {
      if (pos + 1 < n && b[pos + 1] == '\n') {
        headersEnd_ = pos;
        bodyOffset_ = pos + 2;
        return {};
      }
      return failAt(ParseErrc::BadHeaderLine, pos, "bare CR");
    }
    if (c == '\n') {  // bare LF line ends are tolerated
      headersEnd_ = pos;
      bodyOffset_ = pos + 1;
      return {};
    }
    if (detail::isWsp(c)) {
      return failAt(ParseErrc::BadHeaderLine, pos, "continuation line without a header field");
    }
    const std::size_t nameStart = pos;
    while (pos < n && detail::is(b[pos], detail::kToken)) ++pos;
    const std::size_t nameEnd = pos;
    if (nameEnd == nameStart) return failAt(ParseErrc::BadHeaderLine, pos, "bad header name");
    while (pos < n && detail::isWsp(b[pos])) ++pos;
    if (pos >= n || b[pos] != ':') {
      return failAt(ParseErrc::BadHeaderLine, pos, "missing ':' after header name");
    }
    ++pos;
    // Leading LWS of the value, including folds (the value may start on the next line).
    for (;;) {
      while (pos < n && detail::isWsp(b[pos])) ++pos;
      if (pos + 2 < n && b[pos] == '\r' && b[pos + 1] == '\n' && detail::isWsp(b[pos + 2])) {
        pos += 3;
      } else if (pos + 1 < n && b[pos] == '\n' && detail::isWsp(b[pos + 1])) {
        pos += 2;
      } else {
        break;
      }
    }
    const std::size_t valueStart = pos;
    std::size_t le;
    for (;;) {
      le = detail::findLineBreak(b, pos, n);
      if (le == n) return failAt(ParseErrc::UnterminatedHeaders, pos, "no line end");
      if (b[le] == '\r') {
        // A CR is only allowed as part of CRLF: a bare one could split the header
        // differently in another parser (and in whoever we forward it to).
        if (le + 1 >= n) return failAt(ParseErrc::UnterminatedHeaders, le, "no line end");
        if (b[le + 1] != '\n') return failAt(ParseErrc::BadHeaderLine, le, "bare CR");
        ++le;
      }
      if (le + 1 < n && detail::isWsp(b[le + 1])) {
        pos = le + 1;  // folded: the field goes on
        continue;
      }
      break;
    }
    const std::size_t fieldEnd = (b[le - 1] == '\r') ? le - 1 : le;
    std::size_t valueEnd = fieldEnd;
    while (valueEnd > valueStart && detail::isLws(b[valueEnd - 1])) --valueEnd;
    pos = le + 1;
    if (headers_.size() >= maxHeaders) {
      return failAt(ParseErrc::TooManyHeaders, nameStart, "too many header fields");
    }
    std::string_view name(b + nameStart, nameEnd - nameStart);
    const HeaderId id = detail::headerIdFromToken(name);
    const auto idx = static_cast<std::uint16_t>(headers_.size());
    headers_.push_back(HeaderField{id, name,
                                   std::string_view(b + std::min(valueStart, valueEnd),
                                                    valueEnd - std::min(valueStart, valueEnd)),
                                   std::string_view(b + nameStart, fieldEnd - nameStart)});
    auto slot = static_cast<std::size_t>(id);
    if (first_[slot] == kNone) first_[slot] = idx;
    ++count_[slot];
  }
}

ParseResult<void> SipMessage::parseMandatory(const ParseOptions& opts) {
  auto once = [this](HeaderId id, std::string_view name,
                     bool required) -> ParseResult<const HeaderField*> {
    const std::size_t slot = static_cast<std::size_t>(id);
    if (count_[slot] == 0) {
      if (required) return failAt(ParseErrc::MissingHeader, headersEnd_, "", name);
      return nullptr;
    }
    const HeaderField& f = headers_[first_[slot]];
    if (count_[slot] > 1) {
      // Locate the second one for the error offset.
      for (std::size_t i = first_[slot] + 1; i < headers_.size(); ++i) {
        if (headers_[i].id == id) {
          return failAt(ParseErrc::DuplicateHeader, offsetOf(headers_[i].raw), "", name);
        }
      }
    }
    return &f;
  };

  // Via: only the top value is needed by every layer; validate() checks the others.
  const std::size_t viaSlot = static_cast<std::size_t>(HeaderId::Via);
  if (count_[viaSlot] == 0) return failAt(ParseErrc::MissingHeader, headersEnd_, "", "Via");
  {
    const HeaderField& f = headers_[first_[viaSlot]];
    auto v = parseFirstVia(f.value, topVia_);
    if (!v) return headerError(ParseErrc::BadVia, v.error(), offsetOf(f.value), "Via");
  }

  for (int which = 0; which < 2; ++which) {
    const bool isFrom = which == 0;
    const std::string_view name = isFrom ? "From" : "To";
    const ParseErrc code = isFrom ? ParseErrc::BadFrom : ParseErrc::BadTo;
    auto f = once(isFrom ? HeaderId::From : HeaderId::To, name, true);
    if (!f) return tl::unexpected(f.error());
    NameAddr& target = isFrom ? from_ : to_;
    auto na = detail::parseNameAddrInto((*f)->value, target);
    if (!na) return headerError(code, na.error(), offsetOf((*f)->value), name);
    if (target.wildcard) {
      return failAt(code, offsetOf((*f)->value), "'*' is not an address", name);
    }
  }

  {
    auto f = once(HeaderId::CallId, "Call-ID", true);
    if (!f) return tl::unexpected(f.error());
    std::string_view v = (*f)->value;
    // callid = word [ "@" word ]
    std::size_t at = v.find('@');
    std::string_view left = v.substr(0, at);
    std::string_view right = at == std::string_view::npos ? "x" : v.substr(at + 1);
    if (left.empty() || right.empty() || detail::spanOf(left, 0, detail::kWord) != left.size() ||
        detail::spanOf(right, 0, detail::kWord) != right.size()) {
      return failAt(ParseErrc::BadCallId, offsetOf(v), "not word[@word]", "Call-ID");
    }
    callId_ = v;
  }

  {
    auto f = once(HeaderId::CSeq, "CSeq", true);
    if (!f) return tl::unexpected(f.error());
    auto c = parseCSeq((*f)->value);
    if (!c) return headerError(ParseErrc::BadCSeq, c.error(), offsetOf((*f)->value), "CSeq");
    cseq_ = *c;
    if (isRequest()) {
      // §8.2.1 / RFC 4475 §3.1.2.17-18: the CSeq method must be the request's method
      // (case-sensitive). For an unknown request method a server may prefer 501.
      if (cseq_.methodText != methodText_) {
        return failAt(ParseErrc::CSeqMethodMismatch, offsetOf((*f)->value), "", "CSeq");
      }
    } else {
      method_ = cseq_.method;
      methodText_ = cseq_.methodText;
    }
  }

  {
    auto f = once(HeaderId::MaxForwards, "Max-Forwards", false);
    if (!f) return tl::unexpected(f.error());
    if (*f != nullptr) {
      std::uint64_t v = 0;
      if (!detail::parseDecimal((*f)->value, 255, v)) {
        return failAt(ParseErrc::BadMaxForwards, offsetOf((*f)->value), "not a number in 0..255",
                      "Max-Forwards");
      }
      maxForwards_ = static_cast<int>(v);
    }
  }

  const std::size_t remaining = size_ - bodyOffset_;
  auto f = once(HeaderId::ContentLength, "Content-Length", false);
  if (!f) return tl::unexpected(f.error());
  if (*f != nullptr) {
    std::uint64_t v = 0;
    if (!detail::parseDecimal((*f)->value, 0x7FFFFFFF, v)) {
      return failAt(ParseErrc::BadContentLength, offsetOf((*f)->value), "not a decimal number",
                    "Content-Length");
    }
    if (v > remaining) {
      return failAt(ParseErrc::BodyTooShort, bodyOffset_, "", "Content-Length");
    }
    if (!opts.datagram && v < remaining) {
      return failAt(ParseErrc::BadContentLength, bodyOffset_ + v,
                    "bytes after the body of a framed message", "Content-Length");
    }
    contentLength_ = static_cast<long>(v);
    // §18.3: octets of a datagram beyond Content-Length are discarded.
    size_ = bodyOffset_ + v;
  } else if (!opts.datagram) {
    return failAt(ParseErrc::MissingHeader, headersEnd_, "required on stream transports",
                  "Content-Length");
  }
  body_ = std::string_view(buf_.get() + bodyOffset_, size_ - bodyOffset_);
  return {};
}

const HeaderField* SipMessage::header(HeaderId id) const {
  const auto slot = static_cast<std::size_t>(id);
  if (id == HeaderId::Other || slot >= kHeaderIdCount || count_[slot] == 0) return nullptr;
  return &headers_[first_[slot]];
}

std::size_t SipMessage::headerCount(HeaderId id) const {
  const auto slot = static_cast<std::size_t>(id);
  if (slot >= kHeaderIdCount) return 0;
  if (id == HeaderId::Other) {
    return static_cast<std::size_t>(
        std::count_if(headers_.begin(), headers_.end(),
                      [](const HeaderField& f) { return f.id == HeaderId::Other; }));
  }
  return count_[slot];
}

std::vector<const HeaderField*> SipMessage::headersOf(HeaderId id) const {
  std::vector<const HeaderField*> out;
  const auto slot = static_cast<std::size_t>(id);
  if (slot >= kHeaderIdCount) return out;
  std::size_t start = 0;
  if (id != HeaderId::Other) {
    if (count_[slot] == 0) return out;
    start = first_[slot];
    out.reserve(count_[slot]);
  }
  for (std::size_t i = start; i < headers_.size(); ++i) {
    if (headers_[i].id == id) out.push_back(&headers_[i]);
  }
  return out;
}

const HeaderField* SipMessage::header(std::string_view name) const {
  const HeaderId id = headerIdFromName(name);
  if (id != HeaderId::Other) return header(id);
  for (const HeaderField& f : headers_) {
    if (f.id == HeaderId::Other && detail::iequals(f.name, name)) return &f;
  }
  return nullptr;
}

ParseResult<std::vector<Via>> SipMessage::vias() const {
  std::vector<Via> out;
  out.reserve(count_[static_cast<std::size_t>(HeaderId::Via)]);
  for (const HeaderField& f : headers_) {
    if (f.id != HeaderId::Via) continue;
    auto r = parseViaList(f.value, out);
    if (!r) return headerError(ParseErrc::BadVia, r.error(), offsetOf(f.value), "Via");
  }
  return out;
}

ParseResult<std::vector<NameAddr>> SipMessage::contacts() const {
  std::vector<NameAddr> out;
  for (const HeaderField& f : headers_) {
    if (f.id != HeaderId::Contact) continue;
    auto r = parseNameAddrList(f.value, out);
    if (!r) return headerError(ParseErrc::BadContact, r.error(), offsetOf(f.value), "Contact");
  }
  if (out.size() > 1 &&
      std::any_of(out.begin(), out.end(), [](const NameAddr& a) { return a.wildcard; })) {
    return failAt(ParseErrc::BadContact, 0, "'*' must be the only Contact", "Contact");
  }
  return out;
}

ParseResult<void> SipMessage::validate() const {
  if (auto v = vias(); !v) return tl::unexpected(v.error());
  if (auto c = contacts(); !c) return tl::unexpected(c.error());
  std::vector<NameAddr> scratch;
  for (const HeaderField& f : headers_) {
    switch (f.id) {
      case HeaderId::Route:
      case HeaderId::RecordRoute: {
        scratch.clear();
        std::string_view name = headerCanonicalName(f.id);
        auto r = parseNameAddrList(f.value, scratch);
        if (!r) return headerError(ParseErrc::BadHeaderValue, r.error(), offsetOf(f.value), name);
        for (const NameAddr& a : scratch) {
          if (a.wildcard) {
            return failAt(ParseErrc::BadHeaderValue, offsetOf(f.value), "'*' is not a route", name);
          }
        }
        break;
      }
      case HeaderId::Expires:
      case HeaderId::MinExpires: {
        auto r = parseDeltaSeconds(f.value);
        if (!r) {
          return headerError(ParseErrc::BadExpires, r.error(), offsetOf(f.value),
                             headerCanonicalName(f.id));
        }
        break;
      }
      case HeaderId::ContentType: {
        // media-type = m-type SLASH m-subtype *( SEMI m-parameter )
        std::string_view v = f.value;
        std::size_t p = detail::spanOf(v, 0, detail::kToken);
        std::size_t q = detail::skipLws(v, p);
        bool ok = p > 0 && q < v.size() && v[q] == '/';
        if (ok) {
          q = detail::skipLws(v, q + 1);
          std::size_t s = detail::spanOf(v, q, detail::kToken);
          std::size_t e = s > 0 ? detail::scanParams(v, q + s) : std::string_view::npos;
          ok = e != std::string_view::npos && detail::skipLws(v, e) == v.size();
        }
        if (!ok) {
          return failAt(ParseErrc::BadHeaderValue, offsetOf(f.value), "bad media type",
                        "Content-Type");
        }
        break;
      }
      default: break;
    }
  }
  return {};
}

}  // namespace trunkline::sip
