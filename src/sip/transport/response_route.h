#pragma once
// Where responses go: RFC 3261 §18.2.1 / §18.2.2 with RFC 3581 (rport), as pure functions.
//
// The transport does not rewrite received requests. The source address of the packet is the
// Flow's `remote`; that is the "received" address of §18.2.1 and, with rport, the port of
// RFC 3581 §4. These helpers turn (top Via, arrival Flow) into the response Flow and into
// the Via parameters the response must carry.
//
// Not handled (documented in README.md): maddr (multicast responses; ignored, we answer
// the source), sent-by host names (we never resolve: the source IP is always used, which
// §18.2.1 makes equal to "received").
#include <string>

#include "base/result.h"
#include "sip/message/types.h"
#include "sip/transport/flow.h"

namespace trunkline::sip {

/// 5060 for UDP/TCP, 5061 for TLS (RFC 3261 §19.1.2).
std::uint16_t defaultPort(TransportKind kind);

/// RFC 3261 §18.2.2 + RFC 3581 §4: the Flow to send a response to a request whose top Via is
/// `topVia` and which arrived on `arrival`.
///  - reliable (TCP/TLS): the arrival connection when `connectionOpen`; otherwise a new
///    connection (connectionId 0) to the received address (source IP) and the sent-by port
///    (default 5060/5061);
///  - UDP with rport: the source IP and source port;
///  - UDP without rport: the source IP (= received, or the sent-by host) and the sent-by
///    port (default 5060).
/// Fails only when `arrival.remote` is not a valid address.
base::Result<Flow> responseFlow(const Via& topVia, const Flow& arrival, bool connectionOpen);

/// RFC 3261 §18.2.1 / RFC 3581 §4: whether the top Via needs ";received=<source IP>":
/// when the sent-by host is not that IP literal, or when rport was requested.
bool needsReceived(const Via& topVia, const net::Address& source);

/// The top Via value rebuilt for the response: sent-by and parameters as received, with
/// "received=<source IP>" added (or replaced) when needsReceived() and an empty "rport"
/// filled with the source port. Other parameters are kept in order.
std::string responseTopVia(const Via& topVia, const net::Address& source);

}  // namespace trunkline::sip
