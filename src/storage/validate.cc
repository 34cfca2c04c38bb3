#include "storage/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <set>
#include <tuple>

#include <fmt/format.h>

namespace trunkline::storage {
namespace {
using base::Errc;
using base::fail;

bool isDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

base::Result<void> checkPort(std::string_view what, std::uint16_t port) {
  if (port == 0) return fail(Errc::InvalidArgument, fmt::format("{}: port must be 1-65535", what));
  return {};
}

base::Result<void> checkCidrs(std::vector<std::string>& cidrs) {
  std::set<std::string> seen;
  for (auto& c : cidrs) {
    auto n = normalizeCidr(c);
    if (!n) return tl::unexpected(n.error());
    if (!seen.insert(*n).second)
      return fail(Errc::InvalidArgument, fmt::format("CIDR '{}' listed twice", *n));
    c = *n;
  }
  return {};
}

bool validHost(std::string_view h) {
  if (parseIp(h)) return true;
  return !h.empty() && h.size() <= 253 && std::all_of(h.begin(), h.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
  });
}

bool isHex(std::string_view s, std::size_t len) {
  return s.size() == len && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

base::Result<void> checkCredential(DigestCredential& c) {
  if (c.username.empty() || c.username.size() > 128 ||
      c.username.find_first_of(":\"\r\n ") != std::string::npos)
    return fail(Errc::InvalidArgument,
                fmt::format("bad digest username '{}': 1-128 characters, no ':', '\"' or spaces",
                            c.username));
  if (c.realm.empty() || c.realm.find_first_of("\"\r\n") != std::string::npos)
    return fail(Errc::InvalidArgument,
                fmt::format("digest credential '{}': realm must be set", c.username));
  c.ha1Md5 = lower(c.ha1Md5);
  c.ha1Sha256 = lower(c.ha1Sha256);
  if (!isHex(c.ha1Md5, 32) || !isHex(c.ha1Sha256, 64))
    return fail(Errc::InvalidArgument,
                fmt::format("digest credential '{}': HA1 must be 32 (MD5) and 64 (SHA-256) hex "
                            "digits",
                            c.username));
  return {};
}
}  // namespace

bool IpNetwork::contains(const IpAddress& a) const {
  int bits = prefixLen;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a.bytes[i] & mask) != address.bytes[i]) return false;
  }
  return true;
}

std::optional<IpAddress> parseIp(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  IpAddress a;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(&a.bytes[12], &v4, 4);
    a.v4 = true;
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(a.bytes.data(), &v6, 16);
    static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    a.v4 = std::equal(std::begin(kMapped), std::end(kMapped), a.bytes.begin());
    return a;
  }
  return std::nullopt;
}

base::Result<IpNetwork> parseCidr(std::string_view text) {
  auto slash = text.find('/');
  auto addrText = text.substr(0, slash);
  auto addr = parseIp(addrText);
  if (!addr)
    return fail(Errc::InvalidArgument,
                fmt::format("bad CIDR '{}': '{}' is not an IP address", text, addrText));
  const bool v4Form = addrText.find(':') == std::string_view::npos;
  const int maxLen = v4Form ? 32 : 128;
  int len = maxLen;
  if (slash != std::string_view::npos) {
    auto lenText = text.substr(slash + 1);
    auto [p, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
    if (ec != std::errc() || p != lenText.data() + lenText.size() || !isDigits(lenText) ||
        len < 0 || len > maxLen)
      return fail(Errc::InvalidArgument,
                  fmt::format("bad CIDR '{}': prefix length must be 0-{}", text, maxLen));
  }
  IpNetwork n;
  n.address = *addr;
  n.prefixLen = v4Form ? len + 96 : len;
  IpNetwork masked = n;
  int bits = n.prefixLen;
  for (int i = 0; i < 16; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8   ? 0xff
                        : bits <= 0 ? 0
                                    : static_cast<std::uint8_t>(0xff << (8 - bits));
    masked.address.bytes[i] &= mask;
  }
  if (masked.address.bytes != n.address.bytes) {
    masked.address.v4 = v4Form;
    return fail(Errc::InvalidArgument,
                fmt::format("bad CIDR '{}': host bits are set (did you mean {}?)", text,
                            formatNetwork(masked)));
  }
  n.address.v4 = v4Form;
  return n;
}

std::string formatNetwork(const IpNetwork& n) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (n.address.v4) {
    inet_ntop(AF_INET, &n.address.bytes[12], buf, sizeof buf);
    return fmt::format("{}/{}", buf, n.prefixLen - 96);
  }
  inet_ntop(AF_INET6, n.address.bytes.data(), buf, sizeof buf);
  return fmt::format("{}/{}", buf, n.prefixLen);
}

base::Result<std::string> normalizeCidr(std::string_view text) {
  auto n = parseCidr(text);
  if (!n) return tl::unexpected(n.error());
  return formatNetwork(*n);
}

base::Result<void> validateE164(std::string_view number) {
  if (number.size() < 9 || number.size() > 16 || number[0] != '+' || !isDigits(number.substr(1)) ||
      number[1] == '0')
    return fail(Errc::InvalidArgument,
                fmt::format("bad E.164 number '{}': expected '+' and 8-15 digits, e.g. "
                            "+14155550100",
                            number));
  return {};
}

const std::vector<std::string_view>& knownCodecs() {
  static const std::vector<std::string_view> kCodecs = {"PCMU", "PCMA", "G729",
                                                        "G722", "opus", "telephone-event"};
  return kCodecs;
}

base::Result<void> validateName(std::string_view what, std::string_view name) {
  const bool ok =
      !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
      });
  if (!ok)
    return fail(Errc::InvalidArgument,
                fmt::format("bad {} name '{}': 1-64 characters of A-Z a-z 0-9 . _ -", what, name));
  return {};
}

std::string_view transportName(Transport t) {
  switch (t) {
    case Transport::Udp: return "udp";
    case Transport::Tcp: return "tcp";
    case Transport::Tls: return "tls";
  }
  return "udp";
}

std::optional<Transport> parseTransport(std::string_view s) {
  auto l = lower(s);
  if (l == "udp") return Transport::Udp;
  if (l == "tcp") return Transport::Tcp;
  if (l == "tls") return Transport::Tls;
  return std::nullopt;
}

std::string_view callerIdPolicyName(CallerIdPolicy p) {
  switch (p) {
    case CallerIdPolicy::PassThrough: return "passthrough";
    case CallerIdPolicy::Fixed: return "fixed";
    case CallerIdPolicy::AccountNumbers: return "account";
  }
  return "passthrough";
}

std::optional<CallerIdPolicy> parseCallerIdPolicy(std::string_view s) {
  auto l = lower(s);
  if (l == "passthrough" || l == "pass-through") return CallerIdPolicy::PassThrough;
  if (l == "fixed") return CallerIdPolicy::Fixed;
  if (l == "account" || l == "account-numbers") return CallerIdPolicy::AccountNumbers;
  return std::nullopt;
}

std::string_view srtpPolicyName(SrtpPolicy p) {
  switch (p) {
    case SrtpPolicy::Off: return "off";
    case SrtpPolicy::Offer: return "offer";
    case SrtpPolicy::Required: return "required";
  }
  return "off";
}

std::optional<SrtpPolicy> parseSrtpPolicy(std::string_view s) {
  auto l = lower(s);
  if (l == "off") return SrtpPolicy::Off;
  if (l == "offer" || l == "optional") return SrtpPolicy::Offer;
  if (l == "required") return SrtpPolicy::Required;
  return std::nullopt;
}

base::Result<void> normalize(Account& a) {
  if (auto r = validateName("account", a.name); !r) return r;
  if (a.country.size() != 2 || !std::isalpha(static_cast<unsigned char>(a.country[0])) ||
      !std::isalpha(static_cast<unsigned char>(a.country[1])))
    return fail(Errc::InvalidArgument,
                fmt::format("account '{}': bad country '{}': expected an ISO 3166-1 alpha-2 code "
                            "such as US",
                            a.name, a.country));
  for (auto& c : a.country) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return {};
}

base::Result<void> normalize(Trunk& t) {
  if (auto r = validateName("trunk", t.name); !r) return r;
  auto ctx = [&](const base::Error& e) {
    return fail(e.code, fmt::format("trunk '{}': {}", t.name, e.message));
  };
  if (auto r = checkCidrs(t.allowedCidrs); !r) return ctx(r.error());
  std::set<std::pair<std::string, std::string>> users;
  for (auto& c : t.credentials) {
    if (auto r = checkCredential(c); !r) return ctx(r.error());
    if (!users.insert({c.username, c.realm}).second)
      return ctx({Errc::InvalidArgument, fmt::format("username '{}' listed twice", c.username)});
  }
  if (t.allowedCidrs.empty() && t.credentials.empty())
    return ctx({Errc::InvalidArgument,
                "no way to authenticate: give source CIDRs and/or digest credentials"});
  if (t.registration && t.credentials.empty())
    return ctx({Errc::InvalidArgument, "a registration trunk needs digest credentials"});
  if (!t.host.empty() && !validHost(t.host))
    return ctx({Errc::InvalidArgument, fmt::format("bad host '{}'", t.host)});
  if (!t.host.empty() && t.host.front() == '[') t.host = t.host.substr(1, t.host.size() - 2);
  if (auto r = checkPort("trunk '" + t.name + "'", t.port); !r) return r;
  std::set<std::string_view> seenCodecs;
  for (auto& c : t.codecs) {
    auto it = std::find_if(knownCodecs().begin(), knownCodecs().end(),
                           [&](std::string_view k) { return lower(k) == lower(c); });
    if (it == knownCodecs().end()) {
      std::string list;
      for (auto k : knownCodecs()) list += (list.empty() ? "" : " ") + std::string(k);
      return ctx({Errc::InvalidArgument, fmt::format("unknown codec '{}' (allowed: {})", c, list)});
    }
    if (!seenCodecs.insert(*it).second)
      return ctx({Errc::InvalidArgument, fmt::format("codec '{}' listed twice", *it)});
    c = std::string(*it);
  }
  if (t.callerIdPolicy == CallerIdPolicy::Fixed) {
    if (auto r = validateE164(t.fixedCallerId); !r)
      return ctx({Errc::InvalidArgument, "fixed caller ID: " + r.error().message});
  } else if (!t.fixedCallerId.empty()) {
    return ctx({Errc::InvalidArgument, "a fixed caller ID needs caller-ID policy 'fixed'"});
  }
  if (t.srtp > SrtpPolicy::Required)
    return ctx({Errc::InvalidArgument, "srtp: must be off, offer or required"});
  return {};
}

base::Result<void> normalize(Number& n) {
  if (auto r = validateE164(n.e164); !r) return r;
  if (n.ringTimeoutS == 0 || n.ringTimeoutS > 600)
    return fail(Errc::InvalidArgument,
                fmt::format("number {}: ring timeout must be 1-600 s", n.e164));
  for (auto& b : n.backups) {
    if (b.kind == BackupDestination::Kind::External) {
      if (auto r = validateE164(b.number); !r)
        return fail(Errc::InvalidArgument,
                    fmt::format("number {}: backup: {}", n.e164, r.error().message));
      b.trunkId = 0;
    } else {
      b.number.clear();
    }
  }
  return {};
}

base::Result<void> normalize(Carrier& c) {
  if (auto r = validateName("carrier", c.name); !r) return r;
  auto ctx = [&](const base::Error& e) {
    return fail(e.code, fmt::format("carrier '{}': {}", c.name, e.message));
  };
  if (c.gateways.empty()) return ctx({Errc::InvalidArgument, "needs at least one gateway"});
  std::set<std::tuple<Transport, std::string, std::uint16_t>> seen;
  for (auto& g : c.gateways) {
    if (!validHost(g.host))
      return ctx({Errc::InvalidArgument, fmt::format("bad gateway host '{}'", g.host)});
    if (auto ip = parseIp(g.host); ip && g.host.front() == '[')
      g.host = g.host.substr(1, g.host.size() - 2);
    if (auto r = checkPort(fmt::format("gateway {}", g.host), g.port); !r) return ctx(r.error());
    if (g.weight == 0) return ctx({Errc::InvalidArgument, "gateway weight must be >= 1"});
    if (!seen.insert({g.transport, g.host, g.port}).second)
      return ctx({Errc::InvalidArgument, fmt::format("gateway {}:{}:{} listed twice",
                                                     transportName(g.transport), g.host, g.port)});
  }
  if (c.credential) {
    if (auto r = checkCredential(*c.credential); !r) return ctx(r.error());
  }
  if (auto r = checkCidrs(c.inboundCidrs); !r) return ctx(r.error());
  if (c.downAfter == 0 || c.upAfter == 0)
    return ctx({Errc::InvalidArgument, "down-after and up-after must be >= 1"});
  if (c.srtp > SrtpPolicy::Required)
    return ctx({Errc::InvalidArgument, "srtp: must be off, offer or required"});
  return {};
}

base::Result<void> normalize(Route& r) {
  if (!r.prefix.empty() && (!isDigits(r.prefix) || r.prefix.size() > 15))
    return fail(
        Errc::InvalidArgument,
        fmt::format("bad route prefix '{}': up to 15 digits (no '+'); empty = default", r.prefix));
  const auto name = r.prefix.empty() ? std::string("default route") : "route '" + r.prefix + "'";
  if (r.targets.empty())
    return fail(Errc::InvalidArgument, fmt::format("{}: needs at least one carrier", name));
  std::set<Id> carriers;
  for (const auto& t : r.targets) {
    if (t.weight == 0)
      return fail(Errc::InvalidArgument, fmt::format("{}: carrier weight must be >= 1", name));
    if (t.carrierId != 0 && !carriers.insert(t.carrierId).second)
      return fail(Errc::InvalidArgument, fmt::format("{}: a carrier is listed twice", name));
  }
  for (int code : r.failoverCodes)
    if (code < 300 || code > 699)
      return fail(
          Errc::InvalidArgument,
          fmt::format("{}: failover code {} is not a final error response (300-699)", name, code));
  if (r.ringTimeoutS == 0 || r.ringTimeoutS > 600)
    return fail(Errc::InvalidArgument, fmt::format("{}: ring timeout must be 1-600 s", name));
  return {};
}

}  // namespace trunkline::storage
