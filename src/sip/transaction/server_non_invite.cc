// Non-INVITE server transaction: RFC 3261 §17.2.2.
//
// In our words:
//  - Trying: the request went up to the TU. Retransmissions of it are dropped (there is
//    nothing to answer with yet).
//  - Proceeding: the TU sent a provisional; a retransmitted request is answered with the
//    latest one.
//  - Completed: the TU sent its final; a retransmitted request is answered with it, and
//    further finals from the TU are refused. Timer J (64*T1 on UDP, 0 on TCP/TLS) ends it.
//  - Our addition: a TU that never answers would leak the transaction, so 64*T1 after the
//    request (when the client has given up, timer F) an unanswered transaction is ended and
//    reported through onServerTimeout().
//  - A response that cannot be sent ends the transaction (§17.2.4).
#include "sip/transaction/layer.h"
#include "sip/transaction/txn_internal.h"

namespace trunkline::sip {

using txn_detail::ServerTxn;
using txn_detail::TimerName;

void TransactionLayer::startServerNonInvite(ServerTxn& t) {
  t.state = ServerState::Trying;
  t.timeout = arm(t.id, TimerName::Abandon, t64());
}

void TransactionLayer::serverNonInviteRequest(ServerTxn& t, const SipMessage& req,
                                              const Flow& from) {
  ++counters_.requestRetransmitsAbsorbed;
  followFlow(t, from);
  switch (t.state) {
    case ServerState::Proceeding: replay(t, t.lastProvisional); return;
    case ServerState::Completed: replay(t, t.lastFinal); return;
    default: return;
  }
}

base::Result<void> TransactionLayer::serverNonInviteRespond(ServerTxn& t, std::string rsp,
                                                            int code) {
  if (t.state != ServerState::Trying && t.state != ServerState::Proceeding)
    return base::fail(base::Errc::InvalidArgument, "request already has a final response");
  if (auto sent = sendOrEnd(t, rsp); !sent) return sent;
  if (code < 200) {
    t.state = ServerState::Proceeding;
    t.lastProvisional = std::move(rsp);
    return {};
  }
  noteFinal(t, rsp);
  t.state = ServerState::Completed;
  t.lastFinal = std::move(rsp);
  disarm(t.timeout);
  if (t.reliable)
    endServer(t);  // timer J is zero on TCP/TLS
  else
    t.linger = arm(t.id, TimerName::J, t64());
  return {};
}

void TransactionLayer::serverNonInviteTimer(ServerTxn& t, TimerName name) {
  const ServerTransactionHandle handle{t.id};
  switch (name) {
    case TimerName::J: endServer(t); return;
    case TimerName::Abandon:
      if (t.state != ServerState::Trying && t.state != ServerState::Proceeding) return;
      ++counters_.timeouts;
      endServer(t);
      user_.onServerTimeout(handle);
      return;
    default: return;
  }
}

}  // namespace trunkline::sip
