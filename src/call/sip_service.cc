#include "call/sip_service.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/strings.h"
#include "call/b2bua.h"
#include "call/capabilities.h"
#include "call/malformed.h"
#include "sip/message/builder.h"

namespace trunkline::call {
namespace {

using sip::Method;

bool supportedOption(std::string_view tag) {
  for (auto s : kSupportedTags)
    if (s == tag) return true;
  return false;
}

using base::trim;

std::string supportedValue() {
  std::string v;
  for (auto s : kSupportedTags) v += fmt::format("{}{}", v.empty() ? "" : ", ", s);
  return v;
}

}  // namespace

SipService::SipService(base::TimerQueue& timers, ServiceConfig config)
    : timers_(timers), config_(std::move(config)) {}

void SipService::setB2bua(B2bua* b2bua) {
  if (b2bua_) sinks_.erase(std::find(sinks_.begin(), sinks_.end(), b2bua_));
  b2bua_ = b2bua;
  if (b2bua_) sinks_.insert(sinks_.begin(), b2bua_);
}

std::string SipService::newTag() {
  return fmt::format("{:016x}", random_.nextU64());
}

void SipService::respond(sip::ServerTransactionHandle txn, const sip::SipMessage& req, int code,
                         std::string_view reason, std::string_view extraHeaders) {
  std::string extra(extraHeaders);
  if (!config_.serverHeader.empty()) extra += fmt::format("Server: {}\r\n", config_.serverHeader);
  // §8.2.6.2: a final response to an out-of-dialog request gets our To tag.
  const std::string tag = (code > 100 && !req.to().tag()) ? newTag() : std::string();
  auto bytes = sip::makeResponse(req, code, reason, tag, extra);
  if (auto r = layer_->respond(txn, std::move(bytes)); !r)
    TL_LOG_DEBUG("response {} not sent: {}", code, r.error().message);
}

bool SipService::isLoop(const sip::SipMessage& req) const {
  if (config_.localSentBy.empty()) return false;
  auto vias = req.vias();
  if (!vias) return false;
  for (const auto& via : *vias) {
    for (const auto& self : config_.localSentBy)
      if (via.sentBy == self) return true;
  }
  return false;
}

bool SipService::isMerged(const sip::SipMessage& req) {
  // §8.2.2.2: same From tag, Call-ID and CSeq as a request in progress but another
  // transaction (it reached us twice through a forking proxy). Only out-of-dialog requests.
  if (req.to().tag() || !req.from().tag()) return false;
  std::string key = fmt::format("{}\x01{}\x01{}\x01{}", req.callId(), *req.from().tag(),
                                req.cseq().number, req.cseq().methodText);
  auto branch = std::string(req.topVia().branch);
  auto [it, inserted] = recentRequests_.try_emplace(key, branch);
  if (inserted) {
    timers_.schedule(layer_->config().t1 * 64, [this, key] { recentRequests_.erase(key); });
    return false;
  }
  return it->second != branch;
}

void SipService::onRequest(sip::ServerTransactionHandle txn, const sip::SipMessage& req,
                           const sip::Flow& from) {
  ++counters_.requests;
  const Method m = req.method();

  // §8.2.2.1: we serve sip:, sips: and tel: targets only.
  if (req.requestUri().scheme == sip::UriScheme::Other) {
    return respond(txn, req, 416, {}, "Accept: application/sdp\r\n");
  }
  // §16.3 step 4: a request that already went through us has looped.
  if (isLoop(req)) {
    ++counters_.loopsDetected;
    return respond(txn, req, 482, "Loop Detected");
  }
  if (isMerged(req)) {
    ++counters_.loopsDetected;
    return respond(txn, req, 482, "Loop Detected (merged request)");
  }
  // §16.3 step 3 / RFC 4475 zeromf: Max-Forwards 0 may not be forwarded; OPTIONS is
  // answered by us (§11), everything else would have to be forwarded.
  if (req.maxForwards() == 0 && m != Method::Options) {
    ++counters_.tooManyHops;
    return respond(txn, req, 483);
  }
  // §8.2.2.3: refuse extensions we do not implement.
  if (req.headerCount(sip::HeaderId::Require) > 0) {
    std::string unsupported;
    for (auto* field : req.headersOf(sip::HeaderId::Require)) {
      std::string_view v = field->value;
      while (!v.empty()) {
        auto comma = v.find(',');
        auto tag = trim(v.substr(0, comma));
        if (!tag.empty() && !supportedOption(tag))
          unsupported += fmt::format("{}{}", unsupported.empty() ? "" : ", ", tag);
        v = comma == std::string_view::npos ? std::string_view{} : v.substr(comma + 1);
      }
    }
    if (!unsupported.empty())
      return respond(txn, req, 420, {}, fmt::format("Unsupported: {}\r\n", unsupported));
  }

  // §12.2.2: a request with a To tag belongs to a dialog: the B2BUA's, or none (481).
  if (req.to().tag() && m != Method::Register) {
    if (b2bua_ && b2bua_->onInDialogRequest(txn, req, from)) return;
    return respond(txn, req, 481);
  }

  switch (m) {
    case Method::Options: {
      // §11.2: what we accept, without a body.
      ++counters_.optionsAnswered;
      return respond(txn, req, 200, {},
                     fmt::format("Allow: {}\r\nAccept: application/sdp\r\n"
                                 "Accept-Encoding: identity\r\nAccept-Language: en\r\n"
                                 "Supported: {}\r\n",
                                 kAllow, supportedValue()));
    }
    case Method::Invite:
      // The policy chain (acl → auth → limits → fraud → route) decides, in the B2BUA.
      if (b2bua_) return b2bua_->onInvite(txn, req, from);
      return respond(txn, req, 403, "No trunk matches this request");
    case Method::Register:
      if (registrar_) return registrar_->onRegister(*layer_, txn, req, from);
      return respond(txn, req, 403, "No trunk matches this request");
    case Method::Bye:
    case Method::Update:
    case Method::Info:
    case Method::Prack:
    case Method::Notify:
      // In-dialog methods: we hold no dialog they could belong to (§12.2.2).
      return respond(txn, req, 481);
    case Method::Subscribe:
    case Method::Publish:
    case Method::Message:
    case Method::Refer: return respond(txn, req, 405, {}, fmt::format("Allow: {}\r\n", kAllow));
    case Method::Unknown:
    default:
      // §8.2.1: a method we do not recognise at all.
      return respond(txn, req, 501, {}, fmt::format("Allow: {}\r\n", kAllow));
  }
}

void SipService::onCancel(sip::ServerTransactionHandle cancelTxn,
                          sip::ServerTransactionHandle inviteTxn, const sip::SipMessage& cancel,
                          const sip::Flow& from) {
  // §9.2: no matching INVITE transaction → 481; otherwise 200 for the CANCEL and, if the
  // INVITE has not been answered finally yet, 487 for it.
  if (!inviteTxn || !layer_->serverState(inviteTxn)) {
    return respond(cancelTxn, cancel, 481);
  }
  if (b2bua_ && b2bua_->onCancel(cancelTxn, inviteTxn, cancel, from)) return;
  respond(cancelTxn, cancel, 200);
  auto state = layer_->serverState(inviteTxn);
  if (state && *state == sip::ServerState::Proceeding) {
    if (const auto* invite = layer_->request(inviteTxn)) respond(inviteTxn, *invite, 487);
  }
}

void SipService::onAck(const sip::SipMessage& ack, const sip::Flow& from,
                       sip::ServerTransactionHandle inviteTxn) {
  if (b2bua_ && b2bua_->onAck(ack, from, inviteTxn)) return;
  // An ACK for a 2xx we never sent is dropped (ACKs are never answered).
  TL_LOG_DEBUG("ACK outside any dialog dropped (Call-ID {})", ack.callId());
}

void SipService::onResponse(sip::ClientTransactionHandle txn, const sip::SipMessage& response) {
  for (ClientSink* sink : sinks_)
    if (sink->onResponse(txn, response)) return;
  TL_LOG_DEBUG("response {} to a request of ours nobody waits for", response.statusCode());
}

void SipService::onStrayResponse(const sip::SipMessage& response, const sip::Flow& from) {
  if (b2bua_) return b2bua_->onStrayResponse(response, from);
  TL_LOG_DEBUG("stray response {} from {} dropped", response.statusCode(), from.remote.toString());
}

void SipService::onClientTimeout(sip::ClientTransactionHandle txn) {
  for (ClientSink* sink : sinks_)
    if (sink->onClientTimeout(txn)) return;
}

void SipService::onClientTransportError(sip::ClientTransactionHandle txn) {
  for (ClientSink* sink : sinks_)
    if (sink->onClientTransportError(txn)) return;
}

void SipService::onMalformed(std::string_view bytes, const sip::ParseError& error,
                             const sip::Flow& from) {
  int code = 400;
  std::string reason = error.text();
  if (error.code == sip::ParseErrc::BadVersion) {
    code = 505;
    reason = "Version Not Supported";
  } else if (error.code == sip::ParseErrc::TooLarge) {
    code = 513;
    reason = "Message Too Large";
  }
  std::string extra =
      config_.serverHeader.empty() ? "" : fmt::format("Server: {}\r\n", config_.serverHeader);
  auto rsp = responseToMalformed(bytes, code, reason, newTag(), extra);
  if (!rsp) {
    ++counters_.malformedDropped;
    return;
  }
  ++counters_.malformedRequests;
  layer_->sendStateless(from, *rsp);
}

}  // namespace trunkline::call
