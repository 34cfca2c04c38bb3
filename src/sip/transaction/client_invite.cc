// INVITE client transaction: RFC 3261 §17.1.1 as amended by RFC 6026 §7.2 and §8.4.
//
// In our words:
//  - Calling: the INVITE is out. On UDP it is sent again each time timer A fires, A
//    starting at T1 and doubling every time (§17.1.1.2 sets no T2 cap for INVITE, unlike
//    timer E). Timer B (64*T1) bounds the wait for any response: when it fires the TU is
//    told the request timed out (it acts as if it got a 408). TCP/TLS never retransmit.
//  - Proceeding: a provisional arrived; retransmitting stops and so does timer B (from
//    here on only the TU can give up, by sending a CANCEL). Every provisional goes up.
//  - Accepted (RFC 6026): a 2xx arrived and went up. The 2xx is ACKed by the TU, not by
//    us; every 2xx that still matches (retransmissions, other forks) goes up as well, for
//    64*T1 (timer M), after which the transaction ends and late 2xx are stray.
//  - Completed: a 300-699 arrived. We ACK it ourselves (§17.1.1.3) to the same flow the
//    INVITE went to and pass it up once; retransmissions of that final are answered with
//    the same ACK and absorbed, until timer D (>= 32 s on UDP, 0 on TCP/TLS) ends it.
//  - Any failure to send ends the transaction; the TU hears of it as a transport error
//    (§17.1.4), which it treats like a 503.
#include <fmt/format.h>

#include "sip/message/builder.h"
#include "sip/transaction/layer.h"
#include "sip/transaction/txn_internal.h"

namespace trunkline::sip {

using txn_detail::ClientTxn;
using txn_detail::TimerName;

void TransactionLayer::startClientInvite(ClientTxn& t) {
  t.state = ClientState::Calling;
  if (!t.reliable) {
    t.interval = config_.t1;
    t.retransmit = arm(t.id, TimerName::A, t.interval);
  }
  t.timeout = arm(t.id, TimerName::B, t64());
}

std::string TransactionLayer::buildAck(const ClientTxn& t, const SipMessage& rsp) const {
  // §17.1.1.3: Request-URI, Call-ID, From and the CSeq number of the INVITE; To of the
  // response (with its tag); only the INVITE's top Via; the INVITE's Route set.
  const SipMessage& inv = t.request;
  MessageBuilder b = MessageBuilder::request("ACK", inv.requestUriText());
  const HeaderField* via = inv.header(HeaderId::Via);
  b.header("Via", txn_detail::firstListElement(via != nullptr ? via->value : std::string_view{}));
  for (const HeaderField* route : inv.headersOf(HeaderId::Route)) b.header("Route", route->value);
  b.header("Max-Forwards", "70");
  const HeaderField* from = inv.header(HeaderId::From);
  const HeaderField* to = rsp.header(HeaderId::To);
  b.header("From", from != nullptr ? from->value : std::string_view{});
  b.header("To", to != nullptr ? to->value : std::string_view{});
  b.header("Call-ID", inv.callId());
  b.header("CSeq", fmt::format("{} ACK", inv.cseq().number));
  return b.finish();
}

void TransactionLayer::clientInviteResponse(ClientTxn& t, const SipMessage& rsp) {
  const int code = rsp.statusCode();
  const ClientTransactionHandle handle{t.id};
  switch (t.state) {
    case ClientState::Calling:
    case ClientState::Proceeding:
      disarm(t.retransmit);
      disarm(t.timeout);
      if (code < 200) {
        t.state = ClientState::Proceeding;
        user_.onResponse(handle, rsp);
        return;
      }
      if (code < 300) {
        t.state = ClientState::Accepted;
        t.linger = arm(t.id, TimerName::M, t64());
        user_.onResponse(handle, rsp);
        return;
      }
      {
        t.state = ClientState::Completed;
        t.ack = buildAck(t, rsp);
        ++counters_.acksGenerated;
        const bool sent = sendOn(t.flow, t.ack);
        if (sent && !t.reliable) t.linger = arm(t.id, TimerName::D, config_.timerD);
        user_.onResponse(handle, rsp);
        if (!sent) ++counters_.transportErrors;
        // TCP/TLS: timer D is zero. A failed ACK also ends it (the TU has the final anyway).
        if (!sent || t.reliable) endClient(t);
      }
      return;
    case ClientState::Accepted:
      if (code >= 200 && code < 300) {
        user_.onResponse(handle, rsp);  // RFC 6026: 2xx retransmissions and forks go up
      } else {
        ++counters_.responseRetransmitsAbsorbed;
      }
      return;
    case ClientState::Completed:
      ++counters_.responseRetransmitsAbsorbed;
      if (code >= 300) {
        ++counters_.acksGenerated;
        if (!sendOn(t.flow, t.ack)) {
          ++counters_.transportErrors;
          endClient(t);
        }
      }
      return;
    case ClientState::Trying:
    case ClientState::Terminated: return;
  }
}

void TransactionLayer::clientInviteTimer(ClientTxn& t, TimerName name) {
  const ClientTransactionHandle handle{t.id};
  switch (name) {
    case TimerName::A:
      if (t.state != ClientState::Calling) return;
      ++counters_.requestRetransmitsSent;
      if (!sendOn(t.flow, t.request.raw())) {
        ++counters_.transportErrors;
        endClient(t);
        user_.onClientTransportError(handle);
        return;
      }
      t.interval *= 2;
      t.retransmit = arm(t.id, TimerName::A, t.interval);
      return;
    case TimerName::B:
      if (t.state != ClientState::Calling) return;
      ++counters_.timeouts;
      endClient(t);
      user_.onClientTimeout(handle);
      return;
    case TimerName::D:
    case TimerName::M: endClient(t); return;
    default: return;
  }
}

}  // namespace trunkline::sip
