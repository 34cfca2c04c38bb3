#include "webhook/url.h"

#include <charconv>

namespace trunkline::webhook {
namespace {

using base::Errc;
using base::fail;

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool isHex(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9');
}
bool startsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Host names: letters, digits, '-' and '.' labels of 1..63 (RFC 1123 §2.1).
bool validHostName(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  std::size_t label = 0;
  for (char c : h) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!isAlnum(c) && c != '-') return false;
    if (++label > 63) return false;
  }
  return label > 0 || h.back() == '.';
}

}  // namespace

std::string Url::hostHeader() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) h += ":" + std::to_string(port);
  return h;
}

base::Result<Url> parseUrl(std::string_view text) {
  if (text.empty()) return fail(Errc::InvalidArgument, "must not be empty");
  if (text.size() > kMaxUrlLength)
    return fail(Errc::InvalidArgument, "must be at most 2048 characters");
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f)
      return fail(Errc::InvalidArgument,
                  "must not contain spaces, control or non-ASCII characters");
  }
  Url url;
  std::string_view rest;
  if (startsWithNoCase(text, "https://")) {
    url.tls = true;
    rest = text.substr(8);
  } else if (startsWithNoCase(text, "http://")) {
    rest = text.substr(7);
  } else {
    return fail(Errc::InvalidArgument, "must be an http:// or https:// URL");
  }
  if (rest.find('#') != std::string_view::npos)
    return fail(Errc::InvalidArgument, "must not have a fragment");
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!url.target.empty() && url.target.front() == '?') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos)
    return fail(Errc::InvalidArgument, "must not carry user information (put secrets elsewhere)");
  std::string_view hostPart = authority, portPart;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return fail(Errc::InvalidArgument, "has an unclosed '['");
    hostPart = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return fail(Errc::InvalidArgument, "has junk after the IPv6 host");
      portPart = after.substr(1);
      if (portPart.empty()) return fail(Errc::InvalidArgument, "has an empty port");
    }
    if (hostPart.size() < 2) return fail(Errc::InvalidArgument, "has an empty IPv6 host");
    for (char c : hostPart)
      if (!isHex(c) && c != ':' && c != '.')
        return fail(Errc::InvalidArgument, "has an invalid IPv6 host");
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      hostPart = authority.substr(0, colon);
      portPart = authority.substr(colon + 1);
      if (portPart.empty()) return fail(Errc::InvalidArgument, "has an empty port");
    }
    if (hostPart.empty()) return fail(Errc::InvalidArgument, "must name a host");
    if (!validHostName(hostPart)) return fail(Errc::InvalidArgument, "has an invalid host name");
  }
  url.host = std::string(hostPart);
  url.port = url.tls ? 443 : 80;
  if (!portPart.empty()) {
    unsigned port = 0;
    auto [p, ec] = std::from_chars(portPart.data(), portPart.data() + portPart.size(), port);
    if (ec != std::errc() || p != portPart.data() + portPart.size() || port == 0 || port > 65535)
      return fail(Errc::InvalidArgument, "has an invalid port");
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

}  // namespace trunkline::webhook
