// INVITE server transaction: RFC 3261 §17.2.1 as amended by RFC 6026 §7.1 and §8.5-8.7.
//
// In our words:
//  - Proceeding: the INVITE went up to the TU. If the TU has sent nothing 200 ms later we
//    answer 100 Trying ourselves, so that the client stops retransmitting. A retransmitted
//    INVITE is answered with the latest provisional (if any) and never reaches the TU.
//  - Accepted (RFC 6026): the TU sent a 2xx. We do not retransmit it, the TU does, and its
//    2xx retransmissions pass through us. INVITE retransmissions are absorbed; an ACK that
//    matches goes up to the TU (it is the 2xx's ACK, not ours to absorb). Timer L (64*T1)
//    ends the transaction.
//  - Completed: the TU sent a 300-699. On UDP timer G re-sends it, from T1 doubling up to
//    T2; an INVITE retransmission is answered with it too. Timer H (64*T1) gives up waiting
//    for the ACK and tells the TU.
//  - Confirmed: the ACK arrived (and was absorbed). Further ACKs are absorbed until timer I
//    (T4 on UDP, 0 on TCP/TLS) ends the transaction.
//  - A response we cannot send ends the transaction (§17.2.4): respond() returns the error,
//    and responses we send on our own report it through onServerTransportError().
#include <algorithm>

#include "sip/message/builder.h"
#include "sip/transaction/layer.h"
#include "sip/transaction/txn_internal.h"

namespace trunkline::sip {

using txn_detail::ServerTxn;
using txn_detail::TimerName;

void TransactionLayer::startServerInvite(ServerTxn& t) {
  t.state = ServerState::Proceeding;
  t.trying = arm(t.id, TimerName::Trying100, config_.trying100);
}

void TransactionLayer::serverInviteRequest(ServerTxn& t, const SipMessage& req, const Flow& from) {
  if (req.method() == Method::Ack) {
    switch (t.state) {
      case ServerState::Completed:
        t.state = ServerState::Confirmed;
        disarm(t.retransmit);
        disarm(t.timeout);
        if (t.reliable)
          endServer(t);  // timer I is zero on TCP/TLS
        else
          t.linger = arm(t.id, TimerName::I, config_.t4);
        return;
      case ServerState::Accepted: user_.onAck(req, from, ServerTransactionHandle{t.id}); return;
      default: ++counters_.requestRetransmitsAbsorbed; return;
    }
  }
  ++counters_.requestRetransmitsAbsorbed;
  followFlow(t, from);
  switch (t.state) {
    case ServerState::Proceeding:
      if (!t.lastProvisional.empty()) replay(t, t.lastProvisional);
      return;
    case ServerState::Completed: replay(t, t.lastFinal); return;
    default: return;  // Accepted: the TU retransmits its 2xx; Confirmed: nothing to say
  }
}

base::Result<void> TransactionLayer::serverInviteRespond(ServerTxn& t, std::string rsp, int code) {
  if (t.state == ServerState::Accepted) {
    if (code < 200 || code >= 300)
      return base::fail(base::Errc::InvalidArgument, "INVITE already answered with a 2xx");
    return sendOrEnd(t, rsp);  // the TU's own 2xx retransmission (RFC 6026)
  }
  if (t.state != ServerState::Proceeding)
    return base::fail(base::Errc::InvalidArgument, "INVITE already has a final response");

  disarm(t.trying);  // the TU answered: no automatic 100
  if (auto sent = sendOrEnd(t, rsp); !sent) return sent;
  if (code < 200) {
    t.lastProvisional = std::move(rsp);
    return {};
  }
  noteFinal(t, rsp);
  if (code < 300) {
    t.state = ServerState::Accepted;
    t.linger = arm(t.id, TimerName::L, t64());
    return {};
  }
  t.state = ServerState::Completed;
  t.lastFinal = std::move(rsp);
  if (!t.reliable) {
    t.interval = config_.t1;
    t.retransmit = arm(t.id, TimerName::G, t.interval);
  }
  t.timeout = arm(t.id, TimerName::H, t64());
  return {};
}

void TransactionLayer::serverInviteTimer(ServerTxn& t, TimerName name) {
  const ServerTransactionHandle handle{t.id};
  switch (name) {
    case TimerName::Trying100: {
      if (t.state != ServerState::Proceeding || !t.lastProvisional.empty()) return;
      std::string trying = makeResponse(t.request, 100);
      if (!sendOn(t.flow, trying)) {
        ++counters_.transportErrors;
        endServer(t);
        user_.onServerTransportError(handle);
        return;
      }
      ++counters_.trying100Sent;
      t.lastProvisional = std::move(trying);
      return;
    }
    case TimerName::G:
      if (t.state != ServerState::Completed) return;
      if (!replay(t, t.lastFinal)) return;
      t.interval = std::min(t.interval * 2, config_.t2);
      t.retransmit = arm(t.id, TimerName::G, t.interval);
      return;
    case TimerName::H:
      if (t.state != ServerState::Completed) return;
      ++counters_.timeouts;
      endServer(t);
      user_.onServerTimeout(handle);
      return;
    case TimerName::I:
    case TimerName::L: endServer(t); return;
    default: return;
  }
}

}  // namespace trunkline::sip
