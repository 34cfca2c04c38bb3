// B2BUA core: entry points from SipService, call lifecycle, indexes, CDR completion.
//
// A call ends exactly once, in finish(): the CDR is completed and handed to the sink, the
// policy's release() runs for admitted calls, timers are cancelled and the call is
// unindexed. Calls are freed on the next entry into the B2bua, so a handler may finish the
// call it is working on and return through its frames safely.
#include <fmt/format.h>

#include "base/log.h"
#include "call/b2bua.h"
#include "call/call.h"
#include "sip/message/builder.h"

namespace trunkline::call {

using detail::CallState;
using detail::ClientRef;
using detail::RefKind;

namespace {

std::string dialogKey(std::string_view callId, std::string_view tag) {
  std::string k;
  k.reserve(callId.size() + tag.size() + 1);
  k.append(callId);
  k.push_back('\n');
  k.append(tag);
  return k;
}

std::string lowerTransport(sip::TransportKind k) {
  switch (k) {
    case sip::TransportKind::Udp: return "udp";
    case sip::TransportKind::Tcp: return "tcp";
    case sip::TransportKind::Tls: return "tls";
  }
  return "udp";
}

}  // namespace

std::string flowText(const sip::Flow& f) {
  return fmt::format("{}:{}", lowerTransport(f.kind), f.remote.toString());
}

B2bua::B2bua(base::TimerQueue& timers, B2buaConfig config, CallPolicy& policy, CdrSink& cdrs,
             sip::RandomSource& random)
    : timers_(timers), config_(std::move(config)), policy_(policy), cdrs_(cdrs), random_(random) {}

B2bua::~B2bua() {
  for (auto& [id, call] : calls_) {
    timers_.cancel(call->maxTimer);
    timers_.cancel(call->probeTimer);
    if (call->attempt) timers_.cancel(call->attempt->ringTimer);
    for (auto& p : call->pending) timers_.cancel(p.timer);
    timers_.cancel(call->reliable.timer);
  }
  for (auto& [id, o] : orphans_) timers_.cancel(o.expiry);
}

std::string B2bua::newTag() {
  return random_.hex(8);
}

std::string B2bua::newUuid() {
  std::string h = random_.hex(16);
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20, 12));
}

std::int64_t B2bua::wallMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             timers_.clock().wallNow().time_since_epoch())
      .count();
}

B2bua::Call* B2bua::findCall(std::uint64_t id) {
  auto it = calls_.find(id);
  return it == calls_.end() || it->second->state == CallState::Done ? nullptr : it->second.get();
}

B2bua::Call* B2bua::findDialog(std::string_view callId, std::string_view localTag, Leg& leg) {
  auto it = dialogs_.find(dialogKey(callId, localTag));
  if (it == dialogs_.end()) return nullptr;
  leg = it->second.second;
  return findCall(it->second.first);
}

base::TimerId B2bua::schedule(Call& call, base::Duration after, void (B2bua::*fn)(Call&)) {
  const std::uint64_t id = call.id;
  return timers_.schedule(after, [this, id, fn] {
    ended_.clear();
    if (Call* c = findCall(id)) (this->*fn)(*c);
  });
}

void B2bua::track(Call& call, sip::ClientTransactionHandle txn, ClientRef ref) {
  ref.call = call.id;
  clients_[txn.id] = ref;
  call.clientTxns.push_back(txn.id);
}

net::Address B2bua::localFor(const sip::Flow& flow) const {
  const int family = flow.remote.valid() ? flow.remote.family() : AF_INET;
  if (config_.localAddress) {
    if (auto a = config_.localAddress(flow.kind, family)) return *a;
  }
  return flow.local;
}

sip::Flow B2bua::calleeFlow(const Target& target) const {
  sip::Flow f;
  f.kind = target.transport;
  f.remote = target.destination;
  f.local = localFor(f);
  return f;
}

std::string B2bua::viaFor(const sip::Flow& flow) {
  const net::Address local = localFor(flow);
  return fmt::format("SIP/2.0/{} {}:{};branch={};rport", sip::transportName(flow.kind),
                     local.sipHost(), local.port(), layer_->newBranch());
}

std::string B2bua::contactFor(const sip::Flow& flow) const {
  const net::Address local = localFor(flow);
  if (flow.kind == sip::TransportKind::Udp)
    return fmt::format("<sip:{}:{}>", local.sipHost(), local.port());
  return fmt::format("<sip:{}:{};transport={}>", local.sipHost(), local.port(),
                     lowerTransport(flow.kind));
}

// ---- entry points ------------------------------------------------------------------------

void B2bua::onInvite(sip::ServerTransactionHandle txn, const sip::SipMessage& invite,
                     const sip::Flow& from) {
  ended_.clear();
  ++counters_.invites;
  // §8.2.6.1 / §17.2.1: tell the caller at once that we took the request.
  (void)layer_->respond(txn, sip::makeResponse(invite, 100));

  auto owned = std::make_unique<Call>();
  Call& call = *owned;
  call.id = nextCallId_++;
  call.inviteTxn = txn;
  call.callerFlow = from;
  call.cdr.callUuid = newUuid();
  call.cdr.sourceAddress = flowText(from);
  call.cdr.fromRaw = std::string(invite.from().uri.user);
  call.cdr.toRaw = std::string(invite.requestUri().user);
  call.cdr.startMs = wallMs();
  const std::string tag = newTag();

  auto dialog = sip::dialogAsUas(invite, tag, from.kind == sip::TransportKind::Tls);
  Admission admission = Reject{400, "Missing Contact", {}};
  if (dialog) {
    call.caller = std::move(*dialog);
    admission = policy_.admit(InviteInfo{invite, from});
  }
  calls_.emplace(call.id, std::move(owned));
  inviteTxns_[txn.id] = call.id;
  call.caller.localTag = tag;
  call.caller.callId = std::string(invite.callId());

  if (auto* reject = std::get_if<Reject>(&admission)) {
    ++counters_.rejected;
    call.recordCdr = reject->recordCdr;
    respondCaller(call, reject->code, reject->reason, reject->extraHeaders);
    std::string reason =
        reject->reason.empty() ? std::string(sip::defaultReason(reject->code)) : reject->reason;
    return finish(call, storage::Disposition::Rejected, reject->code, std::move(reason),
                  storage::HangupBy::None);
  }
  auto& accept = std::get<Accept>(admission);
  call.admitted = true;
  call.context = std::move(accept.context);
  call.targets = std::move(accept.targets);
  call.cdr.accountId = call.context.accountId;
  call.cdr.trunkId = call.context.trunkId;
  call.cdr.numberId = call.context.numberId;
  call.cdr.direction = call.context.direction;
  call.cdr.fromE164 = call.context.fromE164;
  call.cdr.toE164 = call.context.toE164;
  if (call.targets.empty()) {
    ++counters_.rejected;
    respondCaller(call, 404, "No Route");
    return finish(call, storage::Disposition::Rejected, 404, "No Route", storage::HangupBy::None);
  }

  // What the outbound INVITE needs from the caller's (nothing else is carried over).
  if (const auto* ct = invite.header(sip::HeaderId::ContentType)) call.offerType = ct->value;
  call.offerBody = std::string(invite.body());
  call.offerInInvite = !call.offerBody.empty();
  if (config_.media) {
    const std::uint64_t id = call.id;
    call.media = config_.media->open(id, [this, id] {
      ended_.clear();
      if (Call* c = findCall(id)) onNoMedia(*c);
    });
    call.media->setCodecs(call.context.codecs);
    call.media->setFamily(Leg::Caller, from.remote.family());
    call.media->setSrtp(Leg::Caller, call.context.callerSrtp);
  }
  if (const auto* pai = invite.header(sip::HeaderId::PAssertedIdentity))
    call.assertedIdentity = pai->value;
  call.maxForwards = invite.maxForwards() > 0 ? invite.maxForwards() - 1 : 69;
  for (const auto* rr : invite.headersOf(sip::HeaderId::RecordRoute))
    call.callerRecordRoute += fmt::format("Record-Route: {}\r\n", rr->value);
  for (auto id : {sip::HeaderId::Supported, sip::HeaderId::Require}) {
    for (const auto* f : invite.headersOf(id))
      if (f->value.find("100rel") != std::string_view::npos) call.caller100rel = true;
  }
  call.outCallId = random_.hex(16);
  call.outTag = newTag();
  dialogs_[dialogKey(call.caller.callId, call.caller.localTag)] = {call.id, Leg::Caller};
  dialogs_[dialogKey(call.outCallId, call.outTag)] = {call.id, Leg::Callee};
  emit(call, CallEvent::Type::Started);
  tryNext(call);
}

bool B2bua::onInDialogRequest(sip::ServerTransactionHandle txn, const sip::SipMessage& req,
                              const sip::Flow& from) {
  ended_.clear();
  Leg leg = Leg::Caller;
  Call* call = findDialog(req.callId(), req.to().tag().value_or(""), leg);
  if (!call) return false;
  sip::Dialog* dialog = leg == Leg::Caller                        ? &call->caller
                        : call->callee                            ? &*call->callee
                        : (call->attempt && call->attempt->early) ? &*call->attempt->early
                                                                  : nullptr;
  if (!dialog || (leg == Leg::Callee && req.from().tag().value_or("") != dialog->remoteTag))
    return false;
  // §12.2.2: an out-of-order CSeq is refused with 500.
  if (!sip::acceptRemoteCSeq(*dialog, req)) {
    (void)layer_->respond(txn, sip::makeResponse(req, 500, "CSeq Out of Order"));
    return true;
  }
  relayRequest(*call, leg, txn, req);
  return true;
}

bool B2bua::onCancel(sip::ServerTransactionHandle cancelTxn, sip::ServerTransactionHandle inviteTxn,
                     const sip::SipMessage& cancel, const sip::Flow& from) {
  ended_.clear();
  auto it = inviteTxn ? inviteTxns_.find(inviteTxn.id) : inviteTxns_.end();
  Call* call = it == inviteTxns_.end() ? nullptr : findCall(it->second);
  if (!call) return false;
  // §9.2: the CANCEL itself is answered 200; the INVITE gets 487 if still unanswered.
  (void)layer_->respond(cancelTxn, sip::makeResponse(cancel, 200, {}, call->caller.localTag));
  if (call->state == CallState::Routing) onCallerCancel(*call);
  return true;
}

bool B2bua::onAck(const sip::SipMessage& ack, const sip::Flow& from,
                  sip::ServerTransactionHandle inviteTxn) {
  ended_.clear();
  Leg leg = Leg::Caller;
  Call* call = findDialog(ack.callId(), ack.to().tag().value_or(""), leg);
  if (!call) return false;
  onAckFrom(*call, leg, ack);
  return true;
}

bool B2bua::onResponse(sip::ClientTransactionHandle txn, const sip::SipMessage& rsp) {
  ended_.clear();
  if (auto o = orphans_.find(txn.id); o != orphans_.end()) {
    auto& orphan = o->second;
    if (rsp.statusCode() < 200 && !orphan.cancelSent) {
      // §9.1: the provisional we waited for; now the CANCEL may go.
      if (auto cancel = detail::buildCancel(orphan.invite))
        orphan.cancelSent = layer_->sendRequest(*cancel, orphan.flow).has_value();
    } else if (rsp.statusCode() >= 200 && rsp.statusCode() < 300) {
      releaseExtraAnswer(orphan.invite, rsp, orphan.flow);
    }
    return true;
  }
  auto it = clients_.find(txn.id);
  if (it == clients_.end()) return false;
  const ClientRef ref = it->second;
  Call* call = findCall(ref.call);
  if (!call) return true;
  switch (ref.kind) {
    case RefKind::Invite:
      if (call->attempt && call->attempt->txn == txn) {
        onInviteResponse(*call, rsp);
      } else if (rsp.statusCode() >= 200 && rsp.statusCode() < 300) {
        // A 2xx of an earlier attempt or a second fork: not the call we connected.
        if (!call->callee || rsp.to().tag().value_or("") != call->callee->remoteTag)
          releaseExtraAnswer("", rsp, call->calleeFlow);
      }
      return true;
    case RefKind::Relay:
      relayResponse(*call, ref, rsp);
      // A non-INVITE transaction is over with its final response: forget it (an INVITE's
      // entry stays for its 2xx retransmissions until the call ends).
      if (rsp.statusCode() >= 200 && ref.method != sip::Method::Invite) clients_.erase(txn.id);
      return true;
    case RefKind::Probe:
      if (rsp.statusCode() == 408 || rsp.statusCode() == 481) {
        ++counters_.deadDialogs;
        hangupBoth(*call, storage::HangupBy::System, "dead dialog");
      }
      return true;
    default:  // BYE, CANCEL, PRACK: nothing to do with their answers
      if (rsp.statusCode() >= 200) clients_.erase(txn.id);
      return true;
  }
}

// A client transaction ended without a final response: Timer B/F (§17.1.1.2, act as 408)
// or a transport error (§17.1.4, act as 503).
bool B2bua::onClientFailure(sip::ClientTransactionHandle txn, int code, const char* reason) {
  ended_.clear();
  if (orphans_.count(txn.id)) return true;
  auto it = clients_.find(txn.id);
  if (it == clients_.end()) return false;
  const ClientRef ref = it->second;
  Call* call = findCall(ref.call);
  if (!call) return true;
  if (ref.kind == RefKind::Invite && call->attempt && call->attempt->txn == txn) {
    onAttemptFailed(*call, code, reason, true);
  } else if (ref.kind == RefKind::Relay) {
    relayFailure(*call, ref, code);
  } else if (ref.kind == RefKind::Probe) {
    ++counters_.deadDialogs;
    hangupBoth(*call, storage::HangupBy::System, "dead dialog");
  }
  return true;
}

bool B2bua::onClientTimeout(sip::ClientTransactionHandle txn) {
  return onClientFailure(txn, 408, "Request Timeout");
}

bool B2bua::onClientTransportError(sip::ClientTransactionHandle txn) {
  return onClientFailure(txn, 503, "transport error");
}

void B2bua::onStrayResponse(const sip::SipMessage& rsp, const sip::Flow& from) {
  ended_.clear();
  // A 2xx retransmission after timer M: re-send the ACK we sent for it, if we know it.
  if (rsp.method() != sip::Method::Invite || rsp.statusCode() / 100 != 2) return;
  Leg leg = Leg::Callee;
  Call* call = findDialog(rsp.callId(), rsp.from().tag().value_or(""), leg);
  if (!call) return;
  const auto i = detail::idx(leg);
  if (!call->lastAck[i].empty() && call->lastAckCSeq[i] == rsp.cseq().number)
    layer_->sendStateless(leg == Leg::Callee ? call->calleeFlow : call->callerFlow,
                          call->lastAck[i]);
}

// ---- ending ----------------------------------------------------------------------------

void B2bua::shutdown() {
  ended_.clear();
  std::vector<std::uint64_t> ids;
  for (const auto& [id, call] : calls_) ids.push_back(id);
  for (auto id : ids) {
    Call* call = findCall(id);
    if (!call) continue;
    if (call->state != CallState::Routing) {
      hangupBoth(*call, storage::HangupBy::System, "shutdown");
      continue;
    }
    if (call->attempt) {
      auto& ca = call->cdr.attempts[call->attempt->cdrIndex];
      ca.reason = "shutdown";
      ca.endMs = wallMs();
      abandonAttempt(*call);
    }
    respondCaller(*call, 503, "Shutting Down");
    finish(*call, storage::Disposition::Failed, 503, "Shutting Down", storage::HangupBy::System);
  }
  ended_.clear();
}

bool B2bua::hangup(std::uint64_t callId, std::string reason) {
  ended_.clear();
  Call* call = findCall(callId);
  if (!call) return false;
  TL_LOG_INFO("call {} hung up by operator: {}", call->cdr.callUuid, reason);
  if (call->state != CallState::Routing) {
    call->cdr.finalReason = std::move(reason);
    hangupBoth(*call, storage::HangupBy::System, "operator");
    return true;
  }
  // Not answered yet: like the caller's CANCEL (§9.1 towards the target, 487 back), but
  // recorded as ours.
  call->cancelled = true;
  if (call->attempt) {
    auto& ca = call->cdr.attempts[call->attempt->cdrIndex];
    ca.sipCode = 487;
    ca.reason = reason;
    ca.endMs = wallMs();
    abandonAttempt(*call);
  }
  respondCaller(*call, 487, {});
  finish(*call, storage::Disposition::Cancelled, 487, std::move(reason), storage::HangupBy::System);
  return true;
}

void B2bua::emit(const Call& call, CallEvent::Type type) {
  if (config_.observers.empty()) return;
  const CallEvent event{type, config_.shard, call.id, &call.cdr};
  for (auto* o : config_.observers) o->onCallEvent(event);
}

void B2bua::hangupBoth(Call& call, storage::HangupBy by, std::string reason) {
  if (call.state == CallState::Done) return;
  if (call.callee) {
    if (!call.calleeAcked) sendAck(call, Leg::Callee, call.answeredCSeq, {}, {});
    sendInDialog(call, Leg::Callee, "BYE", ClientRef{0, RefKind::Bye, Leg::Callee});
  }
  if (call.state == CallState::Answered || call.state == CallState::Confirmed)
    sendInDialog(call, Leg::Caller, "BYE", ClientRef{0, RefKind::Bye, Leg::Caller});
  TL_LOG_DEBUG("call {} hung up: {}", call.cdr.callUuid, reason);
  finish(call, storage::Disposition::Answered, call.cdr.finalCode, call.cdr.finalReason, by);
}

void B2bua::onNoMedia(Call& call) {
  // Before the answer nothing need flow (ringing without early media); the relay's timer
  // restarts with the answer's update.
  if (call.state != CallState::Answered && call.state != CallState::Confirmed) return;
  call.noMedia = true;
  hangupBoth(call, storage::HangupBy::System, "no media");
}

bool B2bua::prepareOffer(Call& call, const Target& target, int& failCode) {
  call.calleeOffer = call.offerBody;
  if (!call.media || call.offerBody.empty()) return true;
  call.media->setFamily(Leg::Callee, target.destination.family());
  call.media->setSrtp(Leg::Callee, target.srtp);    // per attempt: each carrier its own keys
  if (!detail::isSdp(call.offerType)) return true;  // not a session description: passes as it is
  auto r = call.media->relay(Leg::Caller, SdpRole::Offer, call.offerBody);
  if (!r) {
    // No relay ports is our capacity (503, another node may do); anything else is the
    // offer itself (488).
    failCode = r.error().code == base::Errc::Unavailable ? 503 : 488;
    TL_LOG_INFO("call {}: offer not carried: {}", call.cdr.callUuid, r.error().message);
    // An SRTP policy refusal names itself in the attempt's CDR reason (the anchor's fixed
    // "SRTP required: ..." text), which CDR readers tell apart from a codec mismatch.
    if (r.error().message.starts_with("SRTP") && !call.cdr.attempts.empty())
      call.cdr.attempts.back().reason = r.error().message;
    return false;
  }
  call.calleeOffer = std::move(*r);
  return true;
}

void B2bua::finish(Call& call, storage::Disposition disposition, int code, std::string reason,
                   storage::HangupBy by) {
  if (call.state == CallState::Done) return;
  call.state = CallState::Done;
  timers_.cancel(call.maxTimer);
  timers_.cancel(call.probeTimer);
  for (auto& p : call.pending) timers_.cancel(p.timer);
  if (call.attempt) timers_.cancel(call.attempt->ringTimer);
  timers_.cancel(call.reliable.timer);

  storage::Cdr& cdr = call.cdr;
  if (call.media) call.media->close(cdr);
  if (call.noMedia && disposition == storage::Disposition::Answered)
    disposition = storage::Disposition::NoMedia;
  cdr.endMs = wallMs();
  if (cdr.answerMs > 0) {
    cdr.durationMs = cdr.endMs - cdr.answerMs;
    cdr.billableS = static_cast<std::uint32_t>((cdr.durationMs + 999) / 1000);
  }
  cdr.disposition = disposition;
  cdr.finalCode = code;
  cdr.finalReason = std::move(reason);
  cdr.hangupBy = by;
  switch (disposition) {
    case storage::Disposition::Answered: break;
    case storage::Disposition::Cancelled: ++counters_.cancelled; break;
    case storage::Disposition::Rejected: break;
    case storage::Disposition::NoMedia: break;
    default: ++counters_.failed; break;
  }
  ++counters_.ended;
  if (call.recordCdr) {
    if (config_.rater) config_.rater->rate(call.cdr);  // before observers: they see the rated CDR
    emit(call, CallEvent::Type::Ended);  // final and rated: observers see it as written
    cdrs_.submit(std::move(call.cdr));
  }
  if (call.admitted) policy_.release(call.context);

  dialogs_.erase(dialogKey(call.caller.callId, call.caller.localTag));
  if (!call.outCallId.empty()) dialogs_.erase(dialogKey(call.outCallId, call.outTag));
  inviteTxns_.erase(call.inviteTxn.id);
  for (auto id : call.clientTxns) clients_.erase(id);
  auto it = calls_.find(call.id);
  if (it != calls_.end()) {
    ended_.push_back(std::move(it->second));
    calls_.erase(it);
  }
}

// ---- late and forked answers -----------------------------------------------------------

void B2bua::releaseExtraAnswer(std::string_view inviteBytes, const sip::SipMessage& rsp,
                               const sip::Flow& flow) {
  // §13.2.2.4: every 2xx gets an ACK; one we do not want is then ended with BYE (§15).
  ++counters_.extraAnswersReleased;
  // Without the INVITE at hand, rebuild what the dialog needs from the response itself.
  sip::Dialog d;
  d.callId = std::string(rsp.callId());
  d.localTag = std::string(rsp.from().tag().value_or(""));
  d.remoteTag = std::string(rsp.to().tag().value_or(""));
  d.localUri = std::string(rsp.from().uri.text);
  d.remoteUri = std::string(rsp.to().uri.text);
  d.localCSeq = rsp.cseq().number + 1;
  auto contacts = rsp.contacts();
  d.remoteTarget = contacts && !contacts->empty() ? std::string(contacts->front().uri.text)
                                                  : std::string(rsp.to().uri.text);
  if (!inviteBytes.empty()) {
    if (auto inv = sip::SipMessage::parse(inviteBytes)) {
      if (auto full = sip::dialogAsUac(*inv, rsp)) d = std::move(*full);
    }
  }
  std::string via = viaFor(flow);
  sip::RequestParts ack;
  ack.via = via;
  ack.cseq = rsp.cseq().number;
  layer_->sendStateless(flow, sip::buildRequest(d, "ACK", ack));
  std::string byeVia = viaFor(flow);
  sip::RequestParts bye;
  bye.via = byeVia;
  (void)layer_->sendRequest(sip::buildRequest(d, "BYE", bye), flow);
}

}  // namespace trunkline::call
