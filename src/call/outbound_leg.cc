// The callee's leg: we are the UAC of a new dialog towards the chosen target.
//
// Topology hiding: the outbound INVITE is written from scratch (RFC 3261 §8.1.1) — our
// Call-ID, From tag and CSeq, From = the caller ID the policy chose at our own host, To =
// the target number, our Via (fresh branch) and Contact, Max-Forwards one less than the
// caller's (§16.6 step 3 in spirit). Nothing of the caller's Via, Contact, Record-Route,
// Route, Call-ID or tags is copied; the session description passes through rewriteSdp().
// §13.2.2.4: every 2xx is ACKed (ours: when the caller ACKs; extra forks: at once, then
// BYE). §22.2: a 401/407 is answered once per attempt with our credential (CSeq + 1, same
// Call-ID and From tag). RFC 3262 §4: reliable provisionals are PRACKed by us when the
// caller cannot do it.
#include <fmt/format.h>

#include "base/log.h"
#include "call/b2bua.h"
#include "call/call.h"
#include "call/capabilities.h"
#include "sip/auth/client.h"
#include "sip/message/builder.h"

namespace trunkline::call {

using detail::CallState;
using detail::ClientRef;
using detail::RefKind;

std::string flowText(const sip::Flow& f);
base::Result<std::string> calleeDescription(detail::Call& call, std::string_view contentType,
                                            std::string_view body);
int mediaFailureCode(const base::Error& e);

std::string B2bua::buildInvite(Call& call, std::uint32_t cseq, std::string_view authHeader) {
  const Target& t = call.targets[call.attempt->target];
  const sip::Flow& flow = call.calleeFlow;
  const net::Address local = localFor(flow);
  const std::string& user =
      call.context.callerId.user.empty() ? call.cdr.fromRaw : call.context.callerId.user;
  std::string display;
  if (!call.context.callerId.displayName.empty())
    display = fmt::format("\"{}\"", call.context.callerId.displayName);
  std::string fromUri =
      fmt::format("sip:{}@{}", user.empty() ? "anonymous" : user, local.sipHost());

  auto b = sip::MessageBuilder::request("INVITE", t.requestUri);
  b.header("Via", viaFor(flow));
  b.header("Max-Forwards", std::to_string(call.maxForwards));
  b.header("From", sip::formatNameAddr(display, fromUri, call.outTag));
  b.header("To", sip::formatNameAddr({}, t.requestUri, {}));
  b.header("Call-ID", call.outCallId);
  b.header("CSeq", fmt::format("{} INVITE", cseq));
  b.header("Contact", contactFor(flow));
  b.header("Allow", kAllow);
  if (call.caller100rel) b.header("Supported", "100rel");
  if (!config_.userAgent.empty()) b.header("User-Agent", config_.userAgent);
  if (call.context.passAssertedIdentity && !call.assertedIdentity.empty())
    b.header("P-Asserted-Identity", call.assertedIdentity);
  if (!authHeader.empty()) {
    auto colon = authHeader.find(':');
    b.header(authHeader.substr(0, colon), authHeader.substr(colon + 2));
  }
  if (!call.offerType.empty() || !call.calleeOffer.empty())
    b.body(call.offerType, call.calleeOffer);
  return b.finish();
}

bool B2bua::sendInvite(Call& call, std::string_view authHeader) {
  auto& a = *call.attempt;
  const std::uint32_t cseq = call.outCSeq++;
  std::string bytes = buildInvite(call, cseq, authHeader);
  auto txn = layer_->sendRequest(bytes, call.calleeFlow);
  if (!txn) {
    TL_LOG_DEBUG("call {}: INVITE to {} not sent: {}", call.cdr.callUuid, flowText(call.calleeFlow),
                 txn.error().message);
    return false;
  }
  ++counters_.attempts;
  a.txn = *txn;
  a.invite = std::move(bytes);
  a.cseq = cseq;
  a.provisional = false;
  a.early.reset();
  track(call, *txn, ClientRef{0, RefKind::Invite, Leg::Callee, {}, sip::Method::Invite, cseq});
  return true;
}

void B2bua::onInviteResponse(Call& call, const sip::SipMessage& rsp) {
  auto& a = *call.attempt;
  const int code = rsp.statusCode();
  if (code < 200) {
    a.provisional = true;
    if (code == 100) return;
    if (call.state != CallState::Routing) return;
    a.ringing = true;
    if (auto tag = rsp.to().tag(); tag && (!a.early || a.early->remoteTag != *tag)) {
      if (auto inv = sip::SipMessage::parse(a.invite)) {
        if (auto d = sip::dialogAsUac(*inv, rsp)) a.early = std::move(*d);
      }
    }
    relayProvisional(call, rsp);
    return;
  }
  if (code < 300) return onAnswered(call, rsp);
  if (call.state != CallState::Routing) return;
  timers_.cancel(a.ringTimer);
  a.ringTimer = 0;
  if ((code == 401 || code == 407) && retryWithCredentials(call, rsp)) return;
  onAttemptFailed(call, code, std::string(rsp.reasonPhrase()), false);
}

void B2bua::onAnswered(Call& call, const sip::SipMessage& rsp) {
  auto& a = *call.attempt;
  if (call.state != CallState::Routing) {
    if (call.callee && rsp.to().tag().value_or("") == call.callee->remoteTag) {
      // §13.2.2.4: a retransmitted 2xx gets our ACK again (if we sent one already).
      const auto i = detail::idx(Leg::Callee);
      if (call.calleeAcked && call.lastAckCSeq[i] == rsp.cseq().number)
        layer_->sendStateless(call.calleeFlow, call.lastAck[i]);
      return;
    }
    releaseExtraAnswer(a.invite, rsp, call.calleeFlow);  // another fork answered too
    return;
  }
  timers_.cancel(a.ringTimer);
  a.ringTimer = 0;
  auto inv = sip::SipMessage::parse(a.invite);
  auto dialog =
      inv ? sip::dialogAsUac(*inv, rsp)
          : base::Result<sip::Dialog>(tl::unexpected(base::Error{base::Errc::Internal, ""}));
  auto& ca = call.cdr.attempts[a.cdrIndex];
  ca.endMs = wallMs();
  ca.sipCode = rsp.statusCode();
  ca.reason = std::string(rsp.reasonPhrase());
  if (!dialog) {
    // A 2xx we cannot hold a dialog with (no Contact): take it down, try the next target.
    releaseExtraAnswer(a.invite, rsp, call.calleeFlow);
    onAttemptFailed(call, 502, "Bad 2xx from target", true);
    return;
  }
  // The media is set up before anything reaches the caller: a 2xx whose description cannot
  // be carried (a plain answer to a "required" SRTP offer, unusable a=crypto, malformed
  // SDP, no relay ports) would leave the call without usable media. It is taken down like
  // any 2xx we do not want (§13.2.2.4: ACK, then BYE) and the attempt fails with 488
  // (503 for ports): failover only when the target lists that code, else the caller's answer.
  std::string_view ct;
  if (const auto* f = rsp.header(sip::HeaderId::ContentType)) ct = f->value;
  auto body = calleeDescription(call, ct, rsp.body());
  if (!body) {
    releaseExtraAnswer(a.invite, rsp, call.calleeFlow);
    onAttemptFailed(call, mediaFailureCode(body.error()), body.error().message, false);
    return;
  }
  call.callee = std::move(*dialog);
  call.callee->localCSeq = std::max(call.callee->localCSeq, call.outCSeq);
  call.answeredCSeq = a.cseq;
  call.state = CallState::Answered;
  ++counters_.answered;
  call.cdr.answerMs = wallMs();
  call.cdr.finalCode = rsp.statusCode();
  call.cdr.finalReason = std::string(rsp.reasonPhrase());
  relayAnswer(call, rsp, ct, std::move(*body));
  emit(call, CallEvent::Type::Answered);
  if (call.context.maxDuration > base::Duration{0})
    call.maxTimer = schedule(call, call.context.maxDuration, &B2bua::onMaxDuration);
}

void B2bua::sendAck(Call& call, Leg leg, std::uint32_t cseq, std::string_view contentType,
                    std::string_view body) {
  sip::Dialog* d = leg == Leg::Caller ? &call.caller : call.callee ? &*call.callee : nullptr;
  if (!d) return;
  const sip::Flow& flow = leg == Leg::Caller ? call.callerFlow : call.calleeFlow;
  std::string via = viaFor(flow);
  sip::RequestParts p;
  p.via = via;
  p.cseq = cseq;
  p.contentType = contentType;
  p.body = body;
  const auto i = detail::idx(leg);
  call.lastAck[i] = sip::buildRequest(*d, "ACK", p);
  call.lastAckCSeq[i] = cseq;
  layer_->sendStateless(flow, call.lastAck[i]);
  if (leg == Leg::Callee && cseq == call.answeredCSeq) call.calleeAcked = true;
}

void B2bua::sendPrack(Call& call, std::uint32_t rseq, std::uint32_t inviteCSeq) {
  sendInDialog(call, Leg::Callee, "PRACK", ClientRef{0, RefKind::Prack, Leg::Callee},
               fmt::format("RAck: {} {} INVITE\r\n", rseq, inviteCSeq));
}

bool B2bua::retryWithCredentials(Call& call, const sip::SipMessage& rsp) {
  auto& a = *call.attempt;
  const Target& t = call.targets[a.target];
  if (a.authTried || !t.credential) return false;
  const int code = rsp.statusCode();
  std::vector<std::string_view> challenges;
  for (const auto* f : rsp.headersOf(code == 401 ? sip::HeaderId::WwwAuthenticate
                                                 : sip::HeaderId::ProxyAuthenticate))
    challenges.push_back(f->value);
  sip::ClientCredential cred{t.credential->username, t.credential->realm, t.credential->ha1Md5,
                             t.credential->ha1Sha256};
  auto value = sip::answerChallenge(challenges, cred, "INVITE", t.requestUri, random_);
  if (!value) {
    TL_LOG_DEBUG("call {}: cannot answer {} challenge: {}", call.cdr.callUuid, code,
                 value.error().message);
    return false;
  }
  ++counters_.authRetries;
  a.authTried = true;
  std::string header =
      fmt::format("{}: {}", sip::DigestClient::authorizationHeaderName(code), *value);
  if (!sendInvite(call, header)) return false;
  a.authTried = true;
  a.ringTimer = schedule(call, t.ringTimeout, &B2bua::onRingTimeout);
  return true;
}

}  // namespace trunkline::call
