#pragma once
// Internal to the B2BUA (b2bua.h): one call's state. Not part of the public API.
//
// A Call owns both legs: the caller's dialog (we are its UAS, created when the INVITE
// arrives with our To tag), the callee's dialog (we are its UAC, created by the answering
// 2xx; early dialogs of the current attempt are kept for PRACK), the current outbound
// attempt, per-leg 2xx retransmission state, timers and the CDR being filled. It lives on
// the B2bua's shard thread, from the INVITE to finish().
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/timer_queue.h"
#include "call/media.h"
#include "call/policy.h"
#include "sip/dialog/dialog.h"
#include "sip/transaction/transaction.h"
#include "storage/model.h"

namespace trunkline::call::detail {

enum class CallState : std::uint8_t {
  Routing,    // INVITE received, trying targets
  Answered,   // 2xx relayed to the caller, waiting for the caller's ACK
  Confirmed,  // both dialogs confirmed
  Done,
};

/// A 2xx we sent on a leg that must be retransmitted until that leg ACKs (§13.3.1.4).
struct Pending2xx {
  sip::ServerTransactionHandle txn;
  std::string bytes;
  base::TimerId timer = 0;
  base::Duration interval{0};
  base::Duration elapsed{0};
  std::uint32_t cseq = 0;  // the INVITE's CSeq on this leg (matches the ACK)
  /// CSeq of the INVITE we relayed on the other leg, whose 2xx we ACK when this leg ACKs.
  std::optional<std::uint32_t> relayAckCSeq;
  bool active = false;
};

/// One INVITE towards one target (a new one per auth retry too).
struct Attempt {
  std::size_t target = 0;
  sip::ClientTransactionHandle txn;
  std::string invite;  // the bytes sent (CANCEL, ACK and BYE of late answers are built from it)
  std::uint32_t cseq = 0;
  bool authTried = false;
  bool provisional = false;  // a 1xx arrived: CANCEL may be sent (§9.1)
  bool ringing = false;      // a 101-199 arrived: the callee is being alerted
  base::TimerId ringTimer = 0;
  std::size_t cdrIndex = 0;          // its CdrAttempt
  std::optional<sip::Dialog> early;  // early dialog (RFC 3262 PRACK)
  std::uint32_t lastRSeq = 0;        // reliable provisionals seen (RFC 3262 §4)
};

struct Call {
  std::uint64_t id = 0;
  CallState state = CallState::Routing;
  bool admitted = false;
  bool recordCdr = true;  // false: a digest challenge (see Reject::recordCdr)
  bool cancelled = false;
  CallContext context;
  std::vector<Target> targets;
  std::size_t nextTarget = 0;
  storage::Cdr cdr;
  /// Each failed attempt's final code (0 = none: timeout, transport error, silent target)
  /// and reason phrase, for the caller's answer when every target failed.
  std::vector<std::pair<int, std::string>> failures;

  // Caller leg (we are UAS).
  sip::ServerTransactionHandle inviteTxn;
  sip::Flow callerFlow;
  sip::Dialog caller;
  std::string callerRecordRoute;  // copied into our 1xx/2xx (§12.1.1)
  bool caller100rel = false;
  std::uint32_t rseq = 0;  // our RSeq towards the caller
  /// Our last reliable provisional to the caller, retransmitted until its PRACK (RFC 3262 §3).
  struct {
    std::string bytes;
    std::uint32_t rseq = 0;
    base::TimerId timer = 0;
    base::Duration interval{0};
    base::Duration elapsed{0};
  } reliable;
  std::unordered_map<std::uint32_t, std::uint32_t> rseqMap;  // ours → callee's

  // What the outbound INVITE is built from (copied out of the caller's INVITE).
  std::string offerType;
  std::string offerBody;
  bool offerInInvite = false;        // the caller's INVITE carried the offer (else its 2xx does)
  std::string calleeOffer;           // offerBody as sent to the current target (media anchored)
  std::unique_ptr<CallMedia> media;  // null: bodies pass unchanged
  bool noMedia = false;              // ended by the relay's no-media timeout
  std::string assertedIdentity;
  int maxForwards = 70;

  // Callee leg (we are UAC).
  std::string outCallId;
  std::string outTag;
  std::uint32_t outCSeq = 1;  // next CSeq on the callee leg before its dialog exists
  sip::Flow calleeFlow;
  std::optional<sip::Dialog> callee;
  std::optional<Attempt> attempt;
  bool calleeAcked = false;
  std::uint32_t answeredCSeq = 0;

  std::array<Pending2xx, 2> pending;   // indexed by Leg: a 2xx we sent on that leg
  std::array<std::string, 2> lastAck;  // ACK we sent on each leg (re-sent on 2xx retransmit)
  std::array<std::uint32_t, 2> lastAckCSeq{};
  base::TimerId maxTimer = 0;
  base::TimerId probeTimer = 0;
  std::vector<std::uint64_t> clientTxns;  // to unindex on finish
};

enum class RefKind : std::uint8_t { Invite, Relay, Bye, Cancel, Prack, Probe };

/// Who owns a client transaction.
struct ClientRef {
  std::uint64_t call = 0;
  RefKind kind = RefKind::Invite;
  Leg leg = Leg::Callee;                // the leg the request was sent on
  sip::ServerTransactionHandle server;  // Relay: the request we answer with its response
  sip::Method method = sip::Method::Unknown;
  std::uint32_t cseq = 0;
};

/// An INVITE we gave up on (ring timeout, CANCEL): a 2xx crossing our CANCEL is answered
/// with ACK + BYE (§9.1 / §15). Kept for 64*T1.
struct Orphan {
  std::string invite;
  sip::Flow flow;
  base::TimerId expiry = 0;
  bool cancelSent = false;
};

/// §9.1: the CANCEL for an INVITE we sent (same Request-URI, Call-ID, From, To, CSeq
/// number and top Via).
std::optional<std::string> buildCancel(std::string_view inviteBytes);

/// Whether a Content-Type names a session description (media type compared without case).
bool isSdp(std::string_view contentType);

/// A body crossing from leg `from` to the other: session descriptions go through the
/// call's media (anchoring); others pass. nullopt: a description that cannot be carried.
std::optional<std::string> passBody(Call& call, Leg from, SdpRole role,
                                    std::string_view contentType, std::string_view body);

inline std::size_t idx(Leg l) {
  return static_cast<std::size_t>(l);
}

}  // namespace trunkline::call::detail
