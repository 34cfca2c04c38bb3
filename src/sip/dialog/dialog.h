#pragma once
// Dialog: the RFC 3261 §12 state one user agent keeps for one dialog, as an owned value.
//
// Owns copies of everything it needs (no views into messages), so it outlives the
// messages it was made from. Plain value: no timers, no I/O, no thread of its own; it lives
// wherever its owner (a B2BUA leg) lives and is used from that thread only.
//
// What it does: creation on the UAS side (§12.1.1: from the request and the To tag we
// answer with) and on the UAC side (§12.1.2: from our request and a 2xx or a 1xx carrying a
// To tag), the remote CSeq rule of §12.2.2 (lower than the last one seen → 500), target
// refresh (§12.2.1.2 / §12.2.2), and building in-dialog requests (§12.2.1.1).
//
// Routing: loose routing (the first route carries ;lr) puts the remote target in the
// Request-URI and the route set in Route. A strict-routing first hop (RFC 2543, no ;lr) is
// handled as §12.2.1.1 says: its URI becomes the Request-URI and the remote target is
// appended to the Route list. The next hop the message is sent to is the caller's choice
// (the B2BUA sends to the peer it talks to; see src/call/README.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "sip/message/message.h"

namespace trunkline::sip {

struct Dialog {
  std::string callId;
  std::string localTag;
  std::string remoteTag;
  std::string localUri;  // From (UAC) / To (UAS) URI of the dialog-creating request
  std::string localDisplay;
  std::string remoteUri;
  std::string remoteDisplay;
  /// Next CSeq number for a request we send (§12.2.1.1: incremented by one each time).
  std::uint32_t localCSeq = 1;
  /// Last CSeq number seen from the peer; empty until the peer sends a request (§12.1.2).
  std::optional<std::uint32_t> remoteCSeq;
  std::string remoteTarget;           // URI from the peer's Contact
  std::vector<std::string> routeSet;  // Route values ("<sip:p1;lr>") in sending order
  bool secure = false;                // sips Request-URI over TLS (§12.1.1)
  bool early = false;                 // made from a 1xx; confirmed by a 2xx
};

/// §12.1.1: the dialog a UAS creates when it answers `request` with To tag `localTag`.
base::Result<Dialog> dialogAsUas(const SipMessage& request, std::string_view localTag,
                                 bool overTls = false);
/// §12.1.2: the dialog a UAC creates from its `request` and a response with a To tag
/// (2xx: confirmed; 101-199: early).
base::Result<Dialog> dialogAsUac(const SipMessage& request, const SipMessage& response,
                                 bool overTls = false);

/// §12.2.2: checks and records the CSeq of an in-dialog request from the peer. False when
/// it is lower than the last one (answer 500). ACK and CANCEL are not checked (they reuse
/// the INVITE's number).
bool acceptRemoteCSeq(Dialog& dialog, const SipMessage& request);

/// §12.2.1.2 / §12.2.2: a target refresh (re-INVITE, UPDATE, or their 2xx) replaces the
/// remote target with its Contact, when it carries one.
void refreshTarget(Dialog& dialog, const SipMessage& message);

/// What goes into an in-dialog request besides the dialog's own fields.
struct RequestParts {
  std::string_view via;      // complete Via value ("SIP/2.0/UDP ...;branch=...")
  std::string_view contact;  // Contact value (target refresh requests); may be empty
  int maxForwards = 70;
  std::string_view extraHeaders;  // preformatted "Name: value\r\n" lines
  std::string_view contentType;
  std::string_view body;
  /// ACK for a 2xx and CANCEL reuse the INVITE's number: pass it here. Otherwise the
  /// dialog's localCSeq is used and incremented.
  std::optional<std::uint32_t> cseq;
};

/// Request-URI and Route values of the next in-dialog request (§12.2.1.1).
struct RequestTarget {
  std::string requestUri;
  std::vector<std::string> routes;
};
RequestTarget requestTarget(const Dialog& dialog);

/// §12.2.1.1: a complete in-dialog request `method` (wire bytes).
std::string buildRequest(Dialog& dialog, std::string_view method, const RequestParts& parts);

/// "display <uri>;tag=tag" (display and tag optional).
std::string formatNameAddr(std::string_view display, std::string_view uri, std::string_view tag);

}  // namespace trunkline::sip
