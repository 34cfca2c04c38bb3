// Non-INVITE client transaction: RFC 3261 §17.1.2.
//
// In our words:
//  - Trying: the request is out. On UDP timer E re-sends it, starting at T1 and doubling
//    up to T2. Timer F (64*T1, on every transport) gives up: the TU is told the request
//    timed out (a 408 for it).
//  - Proceeding: a provisional arrived and went up (every provisional does). Retransmits go
//    on at a flat T2 interval; timer F still runs.
//  - Completed: the final arrived and went up once. Retransmissions of it are absorbed
//    until timer K (T4 on UDP, 0 on TCP/TLS) ends the transaction.
//  - A failed retransmission ends the transaction and is reported to the TU (§17.1.4).
#include <algorithm>

#include "sip/transaction/layer.h"
#include "sip/transaction/txn_internal.h"

namespace trunkline::sip {

using txn_detail::ClientTxn;
using txn_detail::TimerName;

void TransactionLayer::startClientNonInvite(ClientTxn& t) {
  t.state = ClientState::Trying;
  if (!t.reliable) {
    t.interval = config_.t1;
    t.retransmit = arm(t.id, TimerName::E, t.interval);
  }
  t.timeout = arm(t.id, TimerName::F, t64());
}

void TransactionLayer::clientNonInviteResponse(ClientTxn& t, const SipMessage& rsp) {
  const int code = rsp.statusCode();
  const ClientTransactionHandle handle{t.id};
  switch (t.state) {
    case ClientState::Trying:
    case ClientState::Proceeding:
      if (code < 200) {
        t.state = ClientState::Proceeding;
        user_.onResponse(handle, rsp);
        return;
      }
      t.state = ClientState::Completed;
      disarm(t.retransmit);
      disarm(t.timeout);
      if (!t.reliable) t.linger = arm(t.id, TimerName::K, config_.t4);
      user_.onResponse(handle, rsp);
      if (t.reliable) endClient(t);  // timer K is zero on TCP/TLS
      return;
    case ClientState::Completed: ++counters_.responseRetransmitsAbsorbed; return;
    default: return;
  }
}

void TransactionLayer::clientNonInviteTimer(ClientTxn& t, TimerName name) {
  const ClientTransactionHandle handle{t.id};
  switch (name) {
    case TimerName::E:
      if (t.state != ClientState::Trying && t.state != ClientState::Proceeding) return;
      ++counters_.requestRetransmitsSent;
      if (!sendOn(t.flow, t.request.raw())) {
        ++counters_.transportErrors;
        endClient(t);
        user_.onClientTransportError(handle);
        return;
      }
      t.interval =
          t.state == ClientState::Trying ? std::min(t.interval * 2, config_.t2) : config_.t2;
      t.retransmit = arm(t.id, TimerName::E, t.interval);
      return;
    case TimerName::F:
      if (t.state != ClientState::Trying && t.state != ClientState::Proceeding) return;
      ++counters_.timeouts;
      endClient(t);
      user_.onClientTimeout(handle);
      return;
    case TimerName::K: endClient(t); return;
    default: return;
  }
}

}  // namespace trunkline::sip
