#pragma once
// Flow: where a SIP message came from / goes to at the transport level. The transaction
// layer keeps the Flow of a request to send its responses back the same way
// (RFC 3261 §18.2.2, RFC 3581), and reuses TCP/TLS connections by connectionId.
#include <cstdint>
#include <string_view>

#include "net/address.h"

namespace trunkline::sip {

enum class TransportKind : std::uint8_t { Udp, Tcp, Tls };

constexpr bool isReliable(TransportKind k) {
  return k != TransportKind::Udp;
}
/// "UDP", "TCP", "TLS" (as in Via).
std::string_view transportName(TransportKind k);

struct Flow {
  TransportKind kind = TransportKind::Udp;
  net::Address local;              // our socket's address
  net::Address remote;             // the peer
  std::uint64_t connectionId = 0;  // TCP/TLS connection; 0 for UDP or "open a new one"
};

}  // namespace trunkline::sip
