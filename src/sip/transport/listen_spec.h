#pragma once
// ListenSpec: one listening socket, as written in the node configuration:
//   "udp:127.0.0.1:5060", "tcp:[::1]:5070", "tls:0.0.0.0:5061", "udp:[::]:0".
// The transport name is case-insensitive; IPv6 addresses need brackets; the port is
// required (0 = let the kernel choose; read the bound port back from TransportLayer).
#include <string>
#include <string_view>

#include "base/result.h"
#include "net/address.h"
#include "sip/transport/flow.h"

namespace trunkline::sip {

struct ListenSpec {
  TransportKind kind = TransportKind::Udp;
  net::Address address;

  /// "udp:127.0.0.1:5060" / "tls:[::1]:5061".
  std::string toString() const;
  bool operator==(const ListenSpec&) const = default;
};

/// Parses "transport:host:port"; errors name what is wrong and echo the input.
base::Result<ListenSpec> parseListenSpec(std::string_view text);

/// Parses a transport name ("udp", "TCP", "tls"), case-insensitive.
base::Result<TransportKind> parseTransportName(std::string_view name);

}  // namespace trunkline::sip
