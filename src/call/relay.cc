// Carrying in-dialog requests across the two dialogs of a call.
//
// Each leg has its own CSeq space (RFC 3261 §12.2.1.1): a request arriving on one leg is
// re-issued on the other through that leg's Dialog (our tags, our Call-ID, our Contact,
// the leg's route set), with its body through rewriteSdp(); its responses come back mapped
// onto the server transaction that is waiting for them. BYE is answered at once (§15.1.2)
// and sent on the other leg. A re-INVITE's 2xx is retransmitted until its ACK (§13.3.1.4)
// and the ACK is carried across. RFC 3262 PRACK: the caller's RAck (our RSeq) is mapped
// back to the callee's RSeq. Maximum duration and dead-dialog detection (in-dialog OPTIONS;
// 408/481/timeout → the dialog is gone, RFC 4028 §10's fallback idea without refreshes)
// end the call from our side (hangupBy System).
#include <fmt/format.h>

#include "base/log.h"
#include "base/strings.h"
#include "call/b2bua.h"
#include "call/call.h"
#include "call/capabilities.h"
#include "sip/message/builder.h"

namespace trunkline::call {

using detail::CallState;
using detail::ClientRef;
using detail::RefKind;

bool detail::isSdp(std::string_view contentType) {
  constexpr std::string_view kSdp = "application/sdp";
  return contentType.size() >= kSdp.size() &&
         base::iequals(contentType.substr(0, kSdp.size()), kSdp);
}

std::optional<std::string> detail::passBody(detail::Call& call, Leg from, SdpRole role,
                                            std::string_view contentType, std::string_view body) {
  // Only session descriptions go through the media; other bodies (DTMF relay, ...) pass.
  if (!isSdp(contentType) || body.empty() || !call.media) return std::string(body);
  auto r = call.media->relay(from, role, body);
  if (!r) {
    TL_LOG_INFO("call {}: session description from the {} not carried: {}", call.cdr.callUuid,
                from == Leg::Caller ? "caller" : "callee", r.error().message);
    return std::nullopt;
  }
  return std::move(*r);
}

namespace {

bool isTargetRefresh(sip::Method m) {
  return m == sip::Method::Invite || m == sip::Method::Update;
}

}  // namespace

bool B2bua::sendInDialog(Call& call, Leg leg, std::string_view method, ClientRef ref,
                         std::string extra, std::string_view contentType, std::string_view body) {
  sip::Dialog* d = nullptr;
  if (leg == Leg::Caller) {
    d = &call.caller;
  } else if (call.callee) {
    d = &*call.callee;
  } else if (call.attempt && call.attempt->early) {
    d = &*call.attempt->early;
  }
  if (!d) return false;
  const sip::Flow& flow = leg == Leg::Caller ? call.callerFlow : call.calleeFlow;
  if (leg == Leg::Callee) d->localCSeq = std::max(d->localCSeq, call.outCSeq);
  const std::uint32_t cseq = d->localCSeq;
  const sip::Method m = sip::methodFromText(method);
  std::string via = viaFor(flow);
  std::string contact = isTargetRefresh(m) ? contactFor(flow) : std::string();
  if (!config_.userAgent.empty()) extra += fmt::format("User-Agent: {}\r\n", config_.userAgent);
  sip::RequestParts p;
  p.via = via;
  p.contact = contact;
  p.extraHeaders = extra;
  p.contentType = contentType;
  p.body = body;
  std::string bytes = sip::buildRequest(*d, method, p);
  if (leg == Leg::Callee) call.outCSeq = d->localCSeq;
  auto txn = layer_->sendRequest(bytes, flow);
  if (!txn) {
    TL_LOG_DEBUG("call {}: {} not sent: {}", call.cdr.callUuid, method, txn.error().message);
    return false;
  }
  ref.leg = leg;
  ref.method = m;
  ref.cseq = cseq;
  track(call, *txn, ref);
  return true;
}

void B2bua::relayRequest(Call& call, Leg from, sip::ServerTransactionHandle txn,
                         const sip::SipMessage& req) {
  const Leg to = other(from);
  const sip::Method m = req.method();
  sip::Dialog& fromDialog = from == Leg::Caller ? call.caller
                            : call.callee       ? *call.callee
                                                : *call.attempt->early;
  if (m == sip::Method::Bye) {
    (void)layer_->respond(txn, sip::makeResponse(req, 200));
    if (call.state == CallState::Routing) {
      // §15: a caller may end an early dialog with BYE; for us that is a CANCEL.
      if (from == Leg::Caller) onCallerCancel(call);
      return;
    }
    if (to == Leg::Callee && !call.calleeAcked)
      sendAck(call, Leg::Callee, call.answeredCSeq, {}, {});
    sendInDialog(call, to, "BYE", ClientRef{0, RefKind::Bye});
    finish(call, storage::Disposition::Answered, call.cdr.finalCode, call.cdr.finalReason,
           from == Leg::Caller ? storage::HangupBy::Caller : storage::HangupBy::Callee);
    return;
  }
  if (m == sip::Method::Invite && call.state != CallState::Confirmed) {
    // §14.1: no re-INVITE before the initial one completed.
    (void)layer_->respond(txn, sip::makeResponse(req, 491));
    return;
  }
  if (isTargetRefresh(m)) sip::refreshTarget(fromDialog, req);

  std::string extra;
  if (m == sip::Method::Prack) {
    // RFC 3262 §7.2: RAck = RSeq CSeq method; ours → the callee's RSeq and INVITE CSeq.
    const auto* rack = req.header(sip::HeaderId::RAck);
    std::uint32_t ours = 0;
    if (rack)
      ours =
          static_cast<std::uint32_t>(std::strtoul(std::string(rack->value).c_str(), nullptr, 10));
    auto it = call.rseqMap.find(ours);
    if (from != Leg::Caller || it == call.rseqMap.end() || !call.attempt) {
      (void)layer_->respond(txn, sip::makeResponse(req, 481));
      return;
    }
    extra = fmt::format("RAck: {} {} INVITE\r\n", it->second, call.attempt->cseq);
    if (ours == call.reliable.rseq) stopReliable(call);
  }
  if (m == sip::Method::Invite) extra += fmt::format("Allow: {}\r\n", kAllow);
  if (const auto* ev = req.header(sip::HeaderId::Event))
    extra += fmt::format("Event: {}\r\n", ev->value);
  std::string_view ct;
  if (const auto* f = req.header(sip::HeaderId::ContentType)) ct = f->value;
  // A body in INVITE/UPDATE is an offer; in PRACK, the answer to one in a reliable 1xx.
  auto passed = passBody(call, from, m == sip::Method::Prack ? SdpRole::Answer : SdpRole::Offer, ct,
                         req.body());
  if (!passed) {
    (void)layer_->respond(txn, sip::makeResponse(req, 488));
    return;
  }
  std::string body = std::move(*passed);
  ClientRef ref{0, RefKind::Relay, to, txn};
  if (!sendInDialog(call, to, req.methodText(), ref, std::move(extra), ct, body)) {
    (void)layer_->respond(txn, sip::makeResponse(req, m == sip::Method::Invite ? 500 : 481));
    return;
  }
  ++counters_.relayedRequests;
}

void B2bua::relayResponse(Call& call, const ClientRef& ref, const sip::SipMessage& rsp) {
  const int code = rsp.statusCode();
  if (code == 100) return;
  const sip::SipMessage* req = layer_->request(ref.server);
  if (!req) return;
  const Leg back = other(ref.leg);
  const bool ok = code >= 200 && code < 300;
  std::string extra;
  if (ok && isTargetRefresh(ref.method)) {
    sip::Dialog* d = ref.leg == Leg::Caller ? &call.caller : call.callee ? &*call.callee : nullptr;
    if (d) sip::refreshTarget(*d, rsp);
    extra = fmt::format("Contact: {}\r\n",
                        contactFor(back == Leg::Caller ? call.callerFlow : call.calleeFlow));
  }
  if (ref.method == sip::Method::Invite && code >= 200 && code < 300) {
    // The 2xx of a re-INVITE on the other leg: ACK it when our side ACKs ours.
    // A retransmission of a 2xx we already ACKed gets the same ACK again (§13.2.2.4).
    const auto i = detail::idx(ref.leg);
    if (call.lastAckCSeq[i] == ref.cseq && !call.lastAck[i].empty()) {
      layer_->sendStateless(ref.leg == Leg::Caller ? call.callerFlow : call.calleeFlow,
                            call.lastAck[i]);
      return;
    }
    auto state = layer_->serverState(ref.server);
    if (state && *state != sip::ServerState::Proceeding) return;  // already relayed
  }
  if (!config_.userAgent.empty()) extra += fmt::format("Server: {}\r\n", config_.userAgent);
  if (code == 401 || code == 407) {
    // Never hand one side's challenge to the other: the legs authenticate separately.
    (void)layer_->respond(ref.server, sip::makeResponse(*req, 500, "Upstream Authentication"));
    return;
  }
  std::string_view ct;
  if (const auto* f = rsp.header(sip::HeaderId::ContentType)) ct = f->value;
  // The answer to the request's offer, or an offer when the request had none.
  auto passed = passBody(call, ref.leg, req->body().empty() ? SdpRole::Offer : SdpRole::Answer, ct,
                         rsp.body());
  std::string body = passed ? std::move(*passed) : std::string();
  if (body.empty()) ct = {};  // a description we could not carry goes as none
  auto bytes = sip::makeResponse(*req, code, rsp.reasonPhrase(), {}, extra, ct, body);
  if (ref.method == sip::Method::Invite && ok) {
    (void)layer_->respond(ref.server, bytes);
    armPending2xx(call, back, ref.server, std::move(bytes), ref.cseq);
    return;
  }
  (void)layer_->respond(ref.server, std::move(bytes));
}

void B2bua::relayFailure(Call& call, const ClientRef& ref, int code) {
  if (const sip::SipMessage* req = layer_->request(ref.server))
    (void)layer_->respond(ref.server, sip::makeResponse(*req, code));
}

void B2bua::onMaxDuration(Call& call) {
  call.maxTimer = 0;
  ++counters_.maxDurationHangups;
  hangupBoth(call, storage::HangupBy::System, "maximum duration");
}

void B2bua::onProbeTimer(Call& call) {
  call.probeTimer = 0;
  if (call.state != CallState::Confirmed) return;
  sendInDialog(call, Leg::Caller, "OPTIONS", ClientRef{0, RefKind::Probe});
  sendInDialog(call, Leg::Callee, "OPTIONS", ClientRef{0, RefKind::Probe});
  call.probeTimer = schedule(call, config_.deadDialogInterval, &B2bua::onProbeTimer);
}

}  // namespace trunkline::call
