// The caller's leg: we are the UAS of the caller's INVITE dialog.
//
// RFC 3261 §13.3.1: every response carries the same To tag of ours (one dialog towards
// the caller, early on the first 1xx, confirmed by our 2xx); 1xx and 2xx carry our Contact
// and the caller's Record-Route (§12.1.1). §13.3.1.4: our 2xx is retransmitted (T1
// doubling up to T2) until the caller's ACK; without ACK within 64*T1 the call is ended
// with BYE. RFC 3262: a reliable provisional from the callee is relayed reliably (Require:
// 100rel, our own RSeq) only when the caller supports 100rel; otherwise we PRACK it
// ourselves and relay it as an ordinary provisional. §9.2: CANCEL before the answer ends
// the call with 487.
#include <algorithm>

#include <fmt/format.h>

#include "base/log.h"
#include "call/b2bua.h"
#include "call/call.h"
#include "call/capabilities.h"
#include "sip/message/builder.h"

namespace trunkline::call {

using detail::CallState;

// A session description from the callee in a response to our INVITE, as it goes to the
// caller: passBody() with the reason kept, since a refusal may fail the attempt.
base::Result<std::string> calleeDescription(detail::Call& call, std::string_view contentType,
                                            std::string_view body) {
  if (!detail::isSdp(contentType) || body.empty() || !call.media) return std::string(body);
  // The description answers the caller's offer, or is the callee's offer (no offer in the
  // caller's INVITE: RFC 3261 §13.2.1 puts it in the 2xx or a reliable 1xx).
  auto r =
      call.media->relay(Leg::Callee, call.offerInInvite ? SdpRole::Answer : SdpRole::Offer, body);
  if (!r)
    TL_LOG_INFO("call {}: session description from the callee not carried: {}", call.cdr.callUuid,
                r.error().message);
  return r;
}

/// The SIP code an attempt fails with when the callee's description cannot be carried.
int mediaFailureCode(const base::Error& e) {
  // No relay ports is our capacity (503); anything else is the description itself (488).
  return e.code == base::Errc::Unavailable ? 503 : 488;
}

std::string B2bua::respondCaller(Call& call, int code, std::string_view reason, std::string extra,
                                 std::string_view contentType, std::string_view body) {
  const sip::SipMessage* invite = layer_->request(call.inviteTxn);
  if (!invite) return {};
  if (!config_.userAgent.empty()) extra += fmt::format("Server: {}\r\n", config_.userAgent);
  auto bytes = sip::makeResponse(*invite, code, reason, code > 100 ? call.caller.localTag : "",
                                 extra, contentType, body);
  if (code >= 200) stopReliable(call);
  if (auto r = layer_->respond(call.inviteTxn, bytes); !r)
    TL_LOG_DEBUG("call {}: response {} not sent: {}", call.cdr.callUuid, code, r.error().message);
  return bytes;
}

void B2bua::stopReliable(Call& call) {
  timers_.cancel(call.reliable.timer);
  call.reliable.timer = 0;
  call.reliable.bytes.clear();
}

void B2bua::onReliableTimer(Call& call) {
  auto& r = call.reliable;
  r.timer = 0;
  if (r.bytes.empty() || call.state != CallState::Routing) return;
  r.elapsed += r.interval;
  // RFC 3262 §3: retransmit with doubling intervals for 64*T1; then give up on this one
  // (the call goes on: the final response needs no PRACK).
  if (r.elapsed >= layer_->config().t1 * 64) return stopReliable(call);
  (void)layer_->respond(call.inviteTxn, r.bytes);
  r.interval *= 2;
  r.timer = schedule(call, r.interval, &B2bua::onReliableTimer);
}

void B2bua::relayProvisional(Call& call, const sip::SipMessage& rsp) {
  auto& a = *call.attempt;
  bool reliable = false;
  std::uint32_t rseq = 0;
  if (const auto* rs = rsp.header(sip::HeaderId::RSeq)) {
    for (const auto* f : rsp.headersOf(sip::HeaderId::Require))
      if (f->value.find("100rel") != std::string_view::npos) reliable = true;
    auto n = sip::parseDeltaSeconds(rs->value);
    if (reliable && n) rseq = *n;
    reliable = reliable && n;
  }
  if (reliable) {
    // RFC 3262 §4: a retransmission (RSeq not higher) is not a new provisional.
    if (rseq <= a.lastRSeq) return;
    a.lastRSeq = rseq;
    if (!call.caller100rel) sendPrack(call, rseq, a.cseq);
  }
  std::string_view ct;
  if (const auto* f = rsp.header(sip::HeaderId::ContentType)) ct = f->value;
  auto passed = calleeDescription(call, ct, rsp.body());
  if (!passed && reliable) {
    // RFC 3262 §5: the description in a reliable provisional is the answer (or the callee's
    // offer) for the whole dialog, and the 2xx will not carry another: a call through this
    // target would have no usable media (e.g. a plain answer to a "required" SRTP offer).
    // The attempt fails now, as if with 488: CANCEL it (a 2xx crossing the CANCEL is ACKed
    // and BYEd as an orphan), then failover or the caller's answer.
    abandonAttempt(call);
    onAttemptFailed(call, mediaFailureCode(passed.error()), passed.error().message, false);
    return;
  }
  // An unreliable provisional's description is only a preview of the 2xx's (RFC 3261
  // §13.2.1 wants the same one there): one we cannot carry is dropped (ringing without
  // early media) and the 2xx decides.
  std::string body = passed ? std::move(*passed) : std::string();
  if (body.empty()) ct = {};
  if (call.cdr.ringMs == 0) {
    call.cdr.ringMs = wallMs();
    emit(call, CallEvent::Type::Ringing);
  }
  std::string extra =
      fmt::format("Contact: {}\r\n{}", contactFor(call.callerFlow), call.callerRecordRoute);
  if (reliable && call.caller100rel) {
    ++call.rseq;
    call.rseqMap[call.rseq] = rseq;
    extra += fmt::format("Require: 100rel\r\nRSeq: {}\r\n", call.rseq);
  }
  std::string sent =
      respondCaller(call, rsp.statusCode(), rsp.reasonPhrase(), std::move(extra), ct, body);
  if (reliable && call.caller100rel && !sip::isReliable(call.callerFlow.kind)) {
    stopReliable(call);
    call.reliable.bytes = std::move(sent);
    call.reliable.rseq = call.rseq;
    call.reliable.interval = layer_->config().t1;
    call.reliable.elapsed = base::Duration{0};
    call.reliable.timer = schedule(call, call.reliable.interval, &B2bua::onReliableTimer);
  }
}

void B2bua::relayAnswer(Call& call, const sip::SipMessage& rsp, std::string_view ct,
                        std::string body) {
  stopReliable(call);
  const sip::SipMessage* invite = layer_->request(call.inviteTxn);
  if (!invite) return;
  std::string extra = fmt::format("Contact: {}\r\n{}Allow: {}\r\n", contactFor(call.callerFlow),
                                  call.callerRecordRoute, kAllow);
  if (call.caller100rel) extra += "Supported: 100rel\r\n";
  if (!config_.userAgent.empty()) extra += fmt::format("Server: {}\r\n", config_.userAgent);
  if (body.empty()) ct = {};
  auto bytes = sip::makeResponse(*invite, rsp.statusCode(), rsp.reasonPhrase(),
                                 call.caller.localTag, extra, ct, body);
  if (auto r = layer_->respond(call.inviteTxn, bytes); !r) {
    TL_LOG_DEBUG("call {}: 2xx not sent: {}", call.cdr.callUuid, r.error().message);
  }
  armPending2xx(call, Leg::Caller, call.inviteTxn, std::move(bytes), call.answeredCSeq);
}

void B2bua::armPending2xx(Call& call, Leg leg, sip::ServerTransactionHandle txn, std::string bytes,
                          std::optional<std::uint32_t> ackCSeq) {
  auto& p = call.pending[detail::idx(leg)];
  timers_.cancel(p.timer);
  const sip::SipMessage* req = layer_->request(txn);
  p.txn = txn;
  p.bytes = std::move(bytes);
  p.cseq = req ? req->cseq().number : 0;
  p.relayAckCSeq = ackCSeq;
  p.interval = layer_->config().t1;
  p.elapsed = base::Duration{0};
  p.active = true;
  const std::uint64_t id = call.id;
  p.timer = timers_.schedule(p.interval, [this, id, leg] {
    ended_.clear();
    if (Call* c = findCall(id)) onPending2xxTimer(*c, leg);
  });
}

void B2bua::onPending2xxTimer(Call& call, Leg leg) {
  auto& p = call.pending[detail::idx(leg)];
  p.timer = 0;
  if (!p.active) return;
  p.elapsed += p.interval;
  if (p.elapsed >= layer_->config().t1 * 64) {
    // §13.3.1.4: no ACK for our 2xx: the session is not established; end it with BYE.
    p.active = false;
    ++counters_.ackTimeouts;
    hangupBoth(call, storage::HangupBy::System, "no ACK");
    return;
  }
  const sip::Flow& flow = leg == Leg::Caller ? call.callerFlow : call.calleeFlow;
  if (!sip::isReliable(flow.kind)) {
    if (!layer_->respond(p.txn, p.bytes)) layer_->sendStateless(flow, p.bytes);
  }
  // Next retransmission T1·2^n capped at T2, but never past the 64*T1 deadline.
  p.interval =
      std::min({p.interval * 2, layer_->config().t2, layer_->config().t1 * 64 - p.elapsed});
  const std::uint64_t id = call.id;
  p.timer = timers_.schedule(p.interval, [this, id, leg] {
    ended_.clear();
    if (Call* c = findCall(id)) onPending2xxTimer(*c, leg);
  });
}

void B2bua::onAckFrom(Call& call, Leg leg, const sip::SipMessage& ack) {
  auto& p = call.pending[detail::idx(leg)];
  if (!p.active || ack.cseq().number != p.cseq) return;  // a retransmitted ACK
  p.active = false;
  timers_.cancel(p.timer);
  p.timer = 0;
  if (p.relayAckCSeq) {
    std::string_view ct;
    if (const auto* f = ack.header(sip::HeaderId::ContentType)) ct = f->value;
    auto passed = passBody(call, leg, SdpRole::Answer, ct, ack.body());
    std::string body = passed ? std::move(*passed) : std::string();
    if (body.empty()) ct = {};
    sendAck(call, other(leg), *p.relayAckCSeq, ct, body);
  }
  if (leg == Leg::Caller && call.state == CallState::Answered) {
    call.state = CallState::Confirmed;
    if (config_.deadDialogInterval > base::Duration{0})
      call.probeTimer = schedule(call, config_.deadDialogInterval, &B2bua::onProbeTimer);
  }
}

void B2bua::onCallerCancel(Call& call) {
  call.cancelled = true;
  if (call.attempt) {
    auto& ca = call.cdr.attempts[call.attempt->cdrIndex];
    ca.sipCode = 487;
    ca.reason = "cancelled by caller";
    ca.endMs = wallMs();
    abandonAttempt(call);
  }
  respondCaller(call, 487, {});
  finish(call, storage::Disposition::Cancelled, 487, "Request Terminated",
         storage::HangupBy::Caller);
}

}  // namespace trunkline::call
