// Trying the targets in order (serial forking, RFC 3261 §16.6 in spirit, done as a UAC).
//
// A target is left for the next one on: a failover code (the target's list, default 408,
// 500, 502, 503, 504), Timer B (no response: acts as 408, §17.1.1.2), a transport error
// (acts as 503, §17.1.4), or no final response within its ring timeout — then the attempt
// is CANCELled (§9.1: only once a provisional arrived; before that we keep waiting for one
// and CANCEL then) and kept as an orphan so that a 2xx crossing the CANCEL is ACKed and
// BYEd. A "no" from the callee (486, 600, 603, 404, ...) is never failed over: it goes to
// the caller as it is. When every target failed, the caller gets the most meaningful of the
// answers collected (routing::bestFinalResponse).
#include <fmt/format.h>

#include "base/log.h"
#include "call/b2bua.h"
#include "call/call.h"
#include "routing/failover.h"
#include "sip/message/builder.h"

namespace trunkline::call {

using detail::CallState;
using detail::ClientRef;
using detail::RefKind;

std::string flowText(const sip::Flow& f);

namespace {

bool isFailoverCode(const Target& t, int code) {
  if (t.failoverCodes.empty()) {
    for (int c : kDefaultFailoverCodes)
      if (c == code) return true;
    return false;
  }
  for (int c : t.failoverCodes)
    if (c == code) return true;
  return false;
}

storage::Disposition dispositionFor(int code) {
  switch (code) {
    case 486:
    case 600: return storage::Disposition::Busy;
    case 408:
    case 480: return storage::Disposition::NoAnswer;
    case 487: return storage::Disposition::Cancelled;
    default: return storage::Disposition::Failed;
  }
}

}  // namespace

// §9.1: a CANCEL has the INVITE's Request-URI, Call-ID, To, From, CSeq number and top Via.
std::optional<std::string> detail::buildCancel(std::string_view inviteBytes) {
  auto inv = sip::SipMessage::parse(inviteBytes);
  if (!inv) return std::nullopt;
  auto b = sip::MessageBuilder::request("CANCEL", inv->requestUriText());
  b.header("Via", inv->header(sip::HeaderId::Via)->value);
  b.header("Max-Forwards", "70");
  b.header("From", inv->header(sip::HeaderId::From)->value);
  b.header("To", inv->header(sip::HeaderId::To)->value);
  b.header("Call-ID", inv->callId());
  b.header("CSeq", fmt::format("{} CANCEL", inv->cseq().number));
  return b.finish();
}

void B2bua::tryNext(Call& call) {
  while (call.nextTarget < call.targets.size()) {
    const std::size_t i = call.nextTarget++;
    if (i > 0) ++counters_.failovers;
    const Target& t = call.targets[i];
    call.calleeFlow = calleeFlow(t);
    call.attempt.emplace();
    call.attempt->target = i;
    call.attempt->cdrIndex = call.cdr.attempts.size();
    storage::CdrAttempt ca;
    ca.carrierId = t.carrierId;
    ca.trunkId = t.trunkId;
    ca.target = flowText(call.calleeFlow);
    ca.startMs = wallMs();
    call.cdr.attempts.push_back(std::move(ca));
    if (int code = 0; !prepareOffer(call, t, code)) {
      // Nothing of the offer can be carried (no acceptable codec): no target will do better.
      auto& failed = call.cdr.attempts.back();
      failed.sipCode = code;
      if (failed.reason.empty())  // prepareOffer() may have named an SRTP policy refusal
        failed.reason = code == 503 ? "no media relay ports" : "offer not acceptable";
      failed.endMs = wallMs();
      call.failures.emplace_back(code, code == 503 ? "Media Relay Full" : "Not Acceptable Here");
      call.attempt.reset();
      break;
    }
    if (sendInvite(call, {})) {
      call.attempt->ringTimer = schedule(call, t.ringTimeout, &B2bua::onRingTimeout);
      return;
    }
    auto& failed = call.cdr.attempts.back();
    failed.reason = "transport error";
    failed.endMs = wallMs();
    call.failures.emplace_back(0, "");
    call.attempt.reset();
  }
  failCall(call);
}

void B2bua::onAttemptFailed(Call& call, int code, std::string reason, bool timeout) {
  auto& a = *call.attempt;
  timers_.cancel(a.ringTimer);
  a.ringTimer = 0;
  auto& ca = call.cdr.attempts[a.cdrIndex];
  ca.sipCode = timeout ? 0 : code;
  ca.reason = reason;
  ca.endMs = wallMs();
  const Target& t = call.targets[a.target];
  if (!timeout && code != 401 && code != 407 && !isFailoverCode(t, code)) {
    // The callee (or its network) said no: that is the caller's answer (no failover).
    // A challenge we could not (or no longer) answer is our problem with this carrier, not
    // the callee's answer: it moves on (and is never handed to the caller).
    call.attempt.reset();
    respondCaller(call, code, reason);
    finish(call, dispositionFor(code), code, std::move(reason), storage::HangupBy::None);
    return;
  }
  call.failures.emplace_back(timeout ? 0 : code, timeout ? std::string() : std::move(reason));
  call.attempt.reset();
  tryNext(call);
}

void B2bua::onRingTimeout(Call& call) {
  if (!call.attempt || call.state != CallState::Routing) return;
  auto& a = *call.attempt;
  a.ringTimer = 0;
  auto& ca = call.cdr.attempts[a.cdrIndex];
  ca.sipCode = 0;
  ca.reason = "ring timeout";
  ca.endMs = wallMs();
  // It rang and nobody answered (480 for the choice of the caller's answer), or it never
  // even said Trying (a dead target: no response).
  const bool rang = a.ringing;
  abandonAttempt(call);
  call.failures.emplace_back(rang ? 480 : 0, rang ? "No Answer" : "");
  call.attempt.reset();
  tryNext(call);
}

void B2bua::abandonAttempt(Call& call) {
  auto& a = *call.attempt;
  timers_.cancel(a.ringTimer);
  a.ringTimer = 0;
  if (!a.txn) return;
  detail::Orphan o;
  o.invite = a.invite;
  o.flow = call.calleeFlow;
  if (a.provisional) {
    if (auto cancel = detail::buildCancel(a.invite)) {
      o.cancelSent = layer_->sendRequest(*cancel, call.calleeFlow).has_value();
    }
  } else {
    // §9.1: no provisional yet, so no CANCEL may be sent; the transaction ends by Timer B
    // or by a final response, and a 2xx is taken down (see onResponse).
  }
  const std::uint64_t txn = a.txn.id;
  clients_.erase(txn);
  o.expiry = timers_.schedule(layer_->config().t1 * 64, [this, txn] { orphans_.erase(txn); });
  orphans_[txn] = std::move(o);
}

void B2bua::failCall(Call& call) {
  // Every target failed: the most meaningful answer (routing's rule, RFC 3261 §16.7 in
  // spirit), with the reason phrase the target gave when it was a real response.
  std::vector<int> codes;
  for (const auto& f : call.failures) codes.push_back(f.first);
  const int code = routing::bestFinalResponse(codes);
  std::string reason(sip::defaultReason(code));
  for (const auto& f : call.failures) {
    if (f.first == code && !f.second.empty()) {
      reason = f.second;
      break;
    }
  }
  respondCaller(call, code, reason);
  finish(call, dispositionFor(code), code, std::move(reason), storage::HangupBy::None);
}

}  // namespace trunkline::call
