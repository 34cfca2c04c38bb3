#pragma once
// DSCP marking of SIP sockets (RFC 2474: the upper six bits of the IPv4 TOS byte / IPv6
// traffic class), so networks that prioritise signalling can recognise it.
//
// Plain functions on a file descriptor; no state. Any thread.
#include "base/result.h"

namespace trunkline::sip {

/// Class Selector 3: the call-signalling marking most SIP equipment uses by default (Cisco's
/// QoS baseline). RFC 4594 §3.2 suggests CS5 (40) for signalling; both are configurable.
inline constexpr int kDscpCs3 = 24;

/// Marks every packet the socket sends with `dscp` (0..63): IP_TOS on IPv4 sockets,
/// IPV6_TCLASS on IPv6 ones, value << 2 (the ECN bits stay 0). 0 leaves the socket as the
/// kernel made it (unmarked). Errors: InvalidArgument (out of range), Io (setsockopt).
base::Result<void> setSocketDscp(int fd, int dscp);

/// The DSCP the kernel holds for the socket (getsockopt), 0..63.
base::Result<int> socketDscp(int fd);

}  // namespace trunkline::sip
