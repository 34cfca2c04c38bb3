#pragma once
// CallPolicy: what the B2BUA asks about every new INVITE (who is calling, may they, where
// does it go) and tells when an admitted call ends. The real chain (ACL → digest → limits →
// fraud → routing) is assembled by the app; tests use fakes.
//
// Called on the shard thread that owns the call, synchronously: implementations read
// in-memory snapshots only and never block.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "sip/message/message.h"
#include "sip/transport/flow.h"
#include "storage/model.h"

namespace trunkline::call {

/// The INVITE as the policy sees it. Valid for the duration of admit() only.
struct InviteInfo {
  const sip::SipMessage& invite;
  const sip::Flow& arrival;
};

/// The identity presented to the callee in From (topology hiding: never the caller's host).
struct CallerId {
  std::string user;         // "+14155550100"
  std::string displayName;  // optional, unquoted
};

/// What an admitted call is, in domain terms (CDR fields, limits to release).
struct CallContext {
  storage::Id accountId = 0;
  storage::Id trunkId = 0;
  storage::Id numberId = 0;  // inbound: the DID
  storage::Direction direction = storage::Direction::Outbound;
  std::string fromE164;  // normalised caller
  std::string toE164;    // normalised callee
  CallerId callerId;
  base::Duration maxDuration{0};  // 0 = unlimited
  /// Copy the caller's P-Asserted-Identity to the callee (trusted peers only).
  bool passAssertedIdentity = false;
  /// The customer trunk's allowed codecs in preference order (empty: any); every offer of
  /// the call is filtered by them.
  std::vector<std::string> codecs;
  /// SRTP policy of the caller's leg: the trunk's on outbound calls, the carrier's inbound.
  storage::SrtpPolicy callerSrtp = storage::SrtpPolicy::Off;
};

/// Our credentials towards a carrier that challenges us (401/407), answered once per try.
struct OutboundCredential {
  std::string username;
  std::string realm;      // the challenge's realm must match (empty: any)
  std::string ha1Md5;     // lowercase hex H(username:realm:password)
  std::string ha1Sha256;  // RFC 8760, lowercase hex; empty if unknown
};

/// One place to try the call. `destination` is an IP literal + port (DNS/RFC 3263 comes
/// later: routing resolves names before handing targets over).
struct Target {
  sip::TransportKind transport = sip::TransportKind::Udp;
  net::Address destination;
  std::string requestUri;  // "sip:+14155550100@198.51.100.7"
  std::optional<OutboundCredential> credential;
  base::Duration ringTimeout = std::chrono::seconds(60);
  /// Final codes that move on to the next target; empty = kDefaultFailoverCodes.
  std::vector<int> failoverCodes;
  storage::Id carrierId = 0;
  storage::Id trunkId = 0;
  std::string label;  // for logs
  /// SRTP policy of the callee's leg with this target (the carrier's, or the trunk's).
  storage::SrtpPolicy srtp = storage::SrtpPolicy::Off;
};

inline constexpr int kDefaultFailoverCodes[] = {408, 500, 502, 503, 504};

struct Reject {
  int code = 403;
  std::string reason;        // empty: the default phrase
  std::string extraHeaders;  // preformatted lines ("Proxy-Authenticate: ...\r\n")
  /// False for a digest challenge: it is a step of authentication, not a call attempt of
  /// any account (an unauthenticated request names none), so it writes no CDR; challenges
  /// are counted (TrunkPolicy counters) and left to the fraud/scanner defences.
  bool recordCdr = true;
};

struct Accept {
  CallContext context;
  std::vector<Target> targets;  // in order; empty is answered 404 ("No Route")
};

using Admission = std::variant<Reject, Accept>;

class CallPolicy {
 public:
  virtual ~CallPolicy() = default;
  virtual Admission admit(const InviteInfo& info) = 0;
  /// Exactly once per Accept, when that call ends (any way): frees channel slots etc.
  virtual void release(const CallContext& context) = 0;
};

/// Where finished CDRs go (the billing writer). Called on the shard thread; must not block.
class CdrSink {
 public:
  virtual ~CdrSink() = default;
  virtual void submit(storage::Cdr cdr) = 0;
};

}  // namespace trunkline::call
