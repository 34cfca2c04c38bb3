// Header name → HeaderId: long and compact forms (RFC 3261 §7.3.3, §20 and the extension
// RFCs that define compact forms), compared case-insensitively without allocating.
#include <array>

#include "sip/message/chars.h"
#include "sip/message/message.h"

namespace trunkline::sip {

namespace {

struct NameEntry {
  std::string_view name;
  HeaderId id;
};

// Grouped by length so that a lookup compares against a handful of candidates at most.
constexpr NameEntry kNames[] = {
    {"Via", HeaderId::Via},
    {"From", HeaderId::From},
    {"To", HeaderId::To},
    {"Call-ID", HeaderId::CallId},
    {"CSeq", HeaderId::CSeq},
    {"Contact", HeaderId::Contact},
    {"Max-Forwards", HeaderId::MaxForwards},
    {"Content-Length", HeaderId::ContentLength},
    {"Content-Type", HeaderId::ContentType},
    {"Route", HeaderId::Route},
    {"Record-Route", HeaderId::RecordRoute},
    {"Authorization", HeaderId::Authorization},
    {"Proxy-Authorization", HeaderId::ProxyAuthorization},
    {"WWW-Authenticate", HeaderId::WwwAuthenticate},
    {"Proxy-Authenticate", HeaderId::ProxyAuthenticate},
    {"Expires", HeaderId::Expires},
    {"Min-Expires", HeaderId::MinExpires},
    {"Supported", HeaderId::Supported},
    {"Require", HeaderId::Require},
    {"Proxy-Require", HeaderId::ProxyRequire},
    {"Unsupported", HeaderId::Unsupported},
    {"Allow", HeaderId::Allow},
    {"Accept", HeaderId::Accept},
    {"User-Agent", HeaderId::UserAgent},
    {"Server", HeaderId::Server},
    {"Subject", HeaderId::Subject},
    {"Event", HeaderId::Event},
    {"Refer-To", HeaderId::ReferTo},
    {"RSeq", HeaderId::RSeq},
    {"RAck", HeaderId::RAck},
    {"Session-Expires", HeaderId::SessionExpires},
    {"Min-SE", HeaderId::MinSE},
    {"Reason", HeaderId::Reason},
    {"Content-Encoding", HeaderId::ContentEncoding},
    {"Accept-Encoding", HeaderId::AcceptEncoding},
    {"Accept-Language", HeaderId::AcceptLanguage},
    {"Date", HeaderId::Date},
    {"Timestamp", HeaderId::Timestamp},
    {"Retry-After", HeaderId::RetryAfter},
    {"Warning", HeaderId::Warning},
    {"P-Asserted-Identity", HeaderId::PAssertedIdentity},
    {"Privacy", HeaderId::Privacy},
    {"Identity", HeaderId::Identity},
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
  const char first = detail::lower(name[0]);
  for (std::uint8_t k = 0; k < kIndex.count[name.size()]; ++k) {
    const NameEntry& e = kNames[kIndex.idx[name.size()][k]];
    if (detail::lower(e.name[0]) == first && detail::iequals(e.name, name)) return e.id;
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
