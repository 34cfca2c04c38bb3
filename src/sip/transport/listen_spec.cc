#include "sip/transport/listen_spec.h"

#include <cctype>

#include "base/strings.h"

#include <fmt/format.h>

namespace trunkline::sip {
namespace {

using base::iequals;

}  // namespace

std::string ListenSpec::toString() const {
  std::string name(transportName(kind));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name + ":" + address.toString();
}

base::Result<TransportKind> parseTransportName(std::string_view name) {
  if (iequals(name, "udp")) return TransportKind::Udp;
  if (iequals(name, "tcp")) return TransportKind::Tcp;
  if (iequals(name, "tls")) return TransportKind::Tls;
  return base::fail(base::Errc::InvalidArgument,
                    fmt::format("unknown transport '{}' (expected udp, tcp or tls)", name));
}

base::Result<ListenSpec> parseListenSpec(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return base::fail(base::Errc::InvalidArgument,
                      fmt::format("invalid listen address '{}': {} (expected e.g. "
                                  "udp:127.0.0.1:5060 or tcp:[::1]:5060)",
                                  text, why));
  };
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return bad("missing transport prefix");
  auto kind = parseTransportName(text.substr(0, colon));
  if (!kind) return bad(kind.error().message);
  const std::string_view hostPort = text.substr(colon + 1);
  if (hostPort.empty()) return bad("missing address");
  std::string_view portText;
  if (hostPort.front() == '[') {
    const auto close = hostPort.find(']');
    if (close == std::string_view::npos) return bad("unterminated '[' in IPv6 address");
    if (close + 1 >= hostPort.size() || hostPort[close + 1] != ':')
      return bad("missing port after IPv6 address");
    portText = hostPort.substr(close + 2);
  } else {
    const auto last = hostPort.rfind(':');
    if (last == std::string_view::npos) return bad("missing port");
    if (hostPort.find(':') != last) return bad("IPv6 address must be in brackets");
    portText = hostPort.substr(last + 1);
  }
  if (portText.empty()) return bad("missing port");
  unsigned port = 0;
  for (char c : portText) {
    if (c < '0' || c > '9') return bad("port is not a number");
    port = port * 10 + static_cast<unsigned>(c - '0');
    if (port > 65535) return bad("port out of range 0-65535");
  }
  auto addr = net::Address::parse(hostPort);
  if (!addr) return bad("host is not an IP address literal");
  return ListenSpec{*kind, *addr};
}

}  // namespace trunkline::sip
