// Header name → HeaderId: long and compact forms (RFC 3261 §7.3.3, §20 and the extension
// RFCs that define compact forms), compared case-insensitively without allocating.
#include <array>
#include <cstdint>
#include <cstring>

#include "sip/message/chars.h"
#include "sip/message/message.h"

namespace trunkline::sip {

namespace {

struct NameEntry {
  std::string_view name;
  std::string_view lower;
  HeaderId id;
};

// Grouped by length so that a lookup compares against a handful of candidates at most.
constexpr NameEntry kNames[] = {
    {"Via", "via", HeaderId::Via},
    {"From", "from", HeaderId::From},
    {"To", "to", HeaderId::To},
    {"Call-ID", "call-id", HeaderId::CallId},
    {"CSeq", "cseq", HeaderId::CSeq},
    {"Contact", "contact", HeaderId::Contact},
    {"Max-Forwards", "max-forwards", HeaderId::MaxForwards},
    {"Content-Length", "content-length", HeaderId::ContentLength},
    {"Content-Type", "content-type", HeaderId::ContentType},
    {"Route", "route", HeaderId::Route},
    {"Record-Route", "record-route", HeaderId::RecordRoute},
    {"Authorization", "authorization", HeaderId::Authorization},
    {"Proxy-Authorization", "proxy-authorization", HeaderId::ProxyAuthorization},
    {"WWW-Authenticate", "www-authenticate", HeaderId::WwwAuthenticate},
    {"Proxy-Authenticate", "proxy-authenticate", HeaderId::ProxyAuthenticate},
    {"Expires", "expires", HeaderId::Expires},
    {"Min-Expires", "min-expires", HeaderId::MinExpires},
    {"Supported", "supported", HeaderId::Supported},
    {"Require", "require", HeaderId::Require},
    {"Proxy-Require", "proxy-require", HeaderId::ProxyRequire},
    {"Unsupported", "unsupported", HeaderId::Unsupported},
    {"Allow", "allow", HeaderId::Allow},
    {"Accept", "accept", HeaderId::Accept},
    {"User-Agent", "user-agent", HeaderId::UserAgent},
    {"Server", "server", HeaderId::Server},
    {"Subject", "subject", HeaderId::Subject},
    {"Event", "event", HeaderId::Event},
    {"Refer-To", "refer-to", HeaderId::ReferTo},
    {"RSeq", "rseq", HeaderId::RSeq},
    {"RAck", "rack", HeaderId::RAck},
    {"Session-Expires", "session-expires", HeaderId::SessionExpires},
    {"Min-SE", "min-se", HeaderId::MinSE},
    {"Reason", "reason", HeaderId::Reason},
    {"Content-Encoding", "content-encoding", HeaderId::ContentEncoding},
    {"Accept-Encoding", "accept-encoding", HeaderId::AcceptEncoding},
    {"Accept-Language", "accept-language", HeaderId::AcceptLanguage},
    {"Date", "date", HeaderId::Date},
    {"Timestamp", "timestamp", HeaderId::Timestamp},
    {"Retry-After", "retry-after", HeaderId::RetryAfter},
    {"Warning", "warning", HeaderId::Warning},
    {"P-Asserted-Identity", "p-asserted-identity", HeaderId::PAssertedIdentity},
    {"Privacy", "privacy", HeaderId::Privacy},
    {"Identity", "identity", HeaderId::Identity},
};

constexpr std::size_t kMaxNameLen = 20;

struct LengthIndex {
  // For each length: the entries of that length, in kNames order (at most 8 per length).
  std::array<std::array<std::uint8_t, 8>, kMaxNameLen + 1> idx{};
  std::array<std::uint8_t, kMaxNameLen + 1> count{};
};

constexpr LengthIndex makeIndex() {
  LengthIndex li{};
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    std::size_t len = kNames[i].name.size();
    li.idx[len][li.count[len]++] = static_cast<std::uint8_t>(i);
  }
  return li;
}

constexpr LengthIndex kIndex = makeIndex();

// Header names are tokens; the names we know are letters and '-', for which OR-ing 0x20
// lower-cases a letter and leaves '-' alone, so 8 bytes compare at once. (CR also maps to
// '-'; it is not a token character, and the caller rules it out below.)
bool equalsLower(std::string_view in, std::string_view lower) {
  const char* a = in.data();
  const char* b = lower.data();
  const std::size_t n = in.size();
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t x;
    std::uint64_t y;
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    if ((x | 0x2020202020202020ull) != y) return false;
  }
  for (; i < n; ++i) {
    if (static_cast<char>(a[i] | 0x20) != b[i]) return false;
  }
  return std::memchr(a, '\r', n) == nullptr;
}

HeaderId compactForm(char c) {
  switch (detail::lower(c)) {
    case 'v': return HeaderId::Via;
    case 'f': return HeaderId::From;
    case 't': return HeaderId::To;
    case 'i': return HeaderId::CallId;
    case 'm': return HeaderId::Contact;
    case 'l': return HeaderId::ContentLength;
    case 'c': return HeaderId::ContentType;
    case 'e': return HeaderId::ContentEncoding;
    case 's': return HeaderId::Subject;
    case 'k': return HeaderId::Supported;
    case 'o': return HeaderId::Event;           // RFC 6665
    case 'r': return HeaderId::ReferTo;         // RFC 3515
    case 'x': return HeaderId::SessionExpires;  // RFC 4028
    case 'y': return HeaderId::Identity;        // RFC 8224
    default: return HeaderId::Other;
  }
}

}  // namespace

HeaderId headerIdFromName(std::string_view name) {
  if (name.size() == 1) return compactForm(name[0]);
  if (name.size() > kMaxNameLen) return HeaderId::Other;
  const char first = static_cast<char>(name[0] | 0x20);
  for (std::uint8_t k = 0; k < kIndex.count[name.size()]; ++k) {
    const NameEntry& e = kNames[kIndex.idx[name.size()][k]];
    if (e.lower[0] == first && equalsLower(name, e.lower)) return e.id;
  }
  return HeaderId::Other;
}

std::string_view headerCanonicalName(HeaderId id) {
  for (const NameEntry& e : kNames) {
    if (e.id == id) return e.name;
  }
  return "";
}

}  // namespace trunkline::sip
