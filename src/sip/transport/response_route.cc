#include "sip/transport/response_route.h"

#include <cctype>

#include "base/strings.h"

namespace trunkline::sip {
namespace {

using base::iequals;

}  // namespace

std::uint16_t defaultPort(TransportKind kind) {
  return kind == TransportKind::Tls ? 5061 : 5060;
}

base::Result<Flow> responseFlow(const Via& topVia, const Flow& arrival, bool connectionOpen) {
  if (!arrival.remote.valid())
    return base::fail(base::Errc::InvalidArgument, "request flow has no source address");
  if (isReliable(arrival.kind) && connectionOpen && arrival.connectionId != 0) return arrival;

  Flow out;
  out.kind = arrival.kind;
  out.local = arrival.local;
  out.remote = arrival.remote;  // the received address: the packet's source IP
  out.connectionId = 0;
  if (!isReliable(arrival.kind) && topVia.rport) return out;  // source IP + source port
  out.remote.setPort(topVia.port != 0 ? topVia.port : defaultPort(arrival.kind));
  return out;
}

bool needsReceived(const Via& topVia, const net::Address& source) {
  if (topVia.rport) return true;  // RFC 3581 §4: even when identical to sent-by
  auto sentBy = net::Address::fromIp(topVia.host, 0);
  if (!sentBy) return true;  // a host name always differs from the source IP
  net::Address src = source;
  src.setPort(0);
  return !(*sentBy == src);
}

std::string responseTopVia(const Via& topVia, const net::Address& source) {
  std::string out;
  out.reserve(topVia.sentBy.size() + topVia.params.raw.size() + 64);
  out.append(topVia.protocol);
  out.push_back('/');
  out.append(topVia.transport);
  out.push_back(' ');
  out.append(topVia.sentBy);
  const bool addReceived = needsReceived(topVia, source);
  for (const Param& p : topVia.params.all()) {
    if (iequals(p.name, "received") && addReceived) continue;  // replaced below
    out.push_back(';');
    out.append(p.name);
    if (iequals(p.name, "rport") && !p.hasValue) {
      out.push_back('=');
      out.append(std::to_string(source.port()));
    } else if (p.hasValue) {
      out.push_back('=');
      out.append(p.value);
    }
  }
  if (addReceived) {
    out.append(";received=");
    out.append(source.ip());  // RFC 3261 §18.2.1: IPv6 without brackets is accepted too
  }
  return out;
}

}  // namespace trunkline::sip
