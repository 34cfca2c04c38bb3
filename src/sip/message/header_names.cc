// Header name → HeaderId: long and compact forms (RFC 3261 §7.3.3, §20 and the extension
// RFCs that define compact forms), compared case-insensitively without allocating.
#include <array>
#include <cstdint>
#include <cstring>

#include "sip/message/chars.h"
#include "sip/message/internal.h"
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
constexpr std::size_t kSlots = 128;
constexpr std::uint8_t kEmpty = 0xFF;

// A perfect hash of the known names on (length, first letter, last letter), all
// lower-cased; makeSlots() refuses to compile if two names ever collide.
constexpr std::size_t slotOf(std::size_t len, char first, char last) {
  return (len + static_cast<unsigned char>(first | 0x20) * 26u +
          static_cast<unsigned char>(last | 0x20) * 10u) &
         (kSlots - 1);
}

constexpr std::array<std::uint8_t, kSlots> makeSlots() {
  std::array<std::uint8_t, kSlots> slots{};
  for (auto& v : slots) v = kEmpty;
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    const std::string_view n = kNames[i].lower;
    const std::size_t h = slotOf(n.size(), n.front(), n.back());
    if (slots[h] != kEmpty) throw "header name hash collision";
    slots[h] = static_cast<std::uint8_t>(i);
  }
  return slots;
}

constexpr std::array<std::uint8_t, kSlots> kSlotTable = makeSlots();

// Header names are tokens; the names we know are letters and '-', for which OR-ing 0x20
// lower-cases a letter and leaves '-' alone, so 8 bytes compare at once. (CR also maps to
// '-'; it is not a token character, so only callers with arbitrary text check for it.)
bool equalsLower(std::string_view in, std::string_view lower, bool checkCr) {
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
  return !checkCr || std::memchr(a, '\r', n) == nullptr;
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

namespace {

template <bool kCheckCr>
HeaderId lookup(std::string_view name) {
  if (name.size() == 1) return compactForm(name[0]);
  if (name.empty() || name.size() > kMaxNameLen) return HeaderId::Other;
  const std::uint8_t i = kSlotTable[slotOf(name.size(), name.front(), name.back())];
  if (i == kEmpty) return HeaderId::Other;
  const NameEntry& e = kNames[i];
  if (e.lower.size() == name.size() && equalsLower(name, e.lower, kCheckCr)) return e.id;
  return HeaderId::Other;
}

}  // namespace

HeaderId headerIdFromName(std::string_view name) {
  return lookup<true>(name);
}

HeaderId detail::headerIdFromToken(std::string_view name) {
  return lookup<false>(name);
}

std::string_view headerCanonicalName(HeaderId id) {
  for (const NameEntry& e : kNames) {
    if (e.id == id) return e.name;
  }
  return "";
}

}  // namespace trunkline::sip
