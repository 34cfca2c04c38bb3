#pragma once
// Internal to sip/transaction: the transaction records the layer keeps, the timer names,
// and the matching keys (matching.cc). Not part of the public API.
#include <cstdint>
#include <string>
#include <string_view>

#include "base/timer_queue.h"
#include "sip/message/message.h"
#include "sip/transaction/transaction.h"

namespace trunkline::sip::txn_detail {

/// Every RFC 3261 §17 timer (Table 4), RFC 6026's L and M, and our two extras.
enum class TimerName : std::uint8_t {
  A,          // INVITE client: request retransmit (UDP)
  B,          // INVITE client: transaction timeout
  D,          // INVITE client: wait for response retransmits in Completed
  E,          // non-INVITE client: request retransmit (UDP)
  F,          // non-INVITE client: transaction timeout
  K,          // non-INVITE client: wait for response retransmits
  G,          // INVITE server: final response retransmit (UDP)
  H,          // INVITE server: wait for ACK
  I,          // INVITE server: wait for ACK retransmits in Confirmed
  J,          // non-INVITE server: wait for request retransmits
  L,          // INVITE server: Accepted -> Terminated (RFC 6026)
  M,          // INVITE client: Accepted -> Terminated (RFC 6026)
  Trying100,  // INVITE server: automatic 100 Trying (§17.2.1)
  Abandon,    // non-INVITE server: the TU never answered within 64*T1
};

/// Timer slots: a transaction runs at most one timer of each kind at a time.
struct TxnTimers {
  base::TimerId retransmit = 0;  // A, E, G
  base::TimerId timeout = 0;     // B, F, H, Abandon
  base::TimerId linger = 0;      // D, K, I, J, L, M
  base::TimerId trying = 0;      // Trying100
  base::Duration interval{};     // current retransmit interval
};

inline base::TimerId& slotOf(TxnTimers& t, TimerName n) {
  switch (n) {
    case TimerName::A:
    case TimerName::E:
    case TimerName::G: return t.retransmit;
    case TimerName::B:
    case TimerName::F:
    case TimerName::H:
    case TimerName::Abandon: return t.timeout;
    case TimerName::Trying100: return t.trying;
    default: return t.linger;
  }
}

struct ClientTxn : TxnTimers {
  explicit ClientTxn(SipMessage req) : request(std::move(req)) {}
  std::uint64_t id = 0;
  bool invite = false;
  bool reliable = false;
  ClientState state = ClientState::Trying;
  Flow flow;
  SipMessage request;  // as sent; raw() is what gets retransmitted
  std::string key;     // clientIndex_ key
  std::string ack;     // the ACK we generated for a non-2xx final (§17.1.1.3)
};

struct ServerTxn : TxnTimers {
  explicit ServerTxn(SipMessage req) : request(std::move(req)) {}
  std::uint64_t id = 0;
  bool invite = false;
  bool reliable = false;
  bool rfc2543 = false;  // matched by §17.2.3's second procedure (no magic cookie)
  ServerState state = ServerState::Trying;
  Flow flow;
  SipMessage request;  // the request that created the transaction
  std::string key;     // serverIndex_ or server2543Index_ key
  std::string lastProvisional;
  std::string lastFinal;
  bool hasFinal = false;
  std::string finalToTag;  // To tag of our final response (2543 ACK matching)
};

// ---- matching keys (matching.cc) --------------------------------------------------------

/// True if `branch` starts with the RFC 3261 magic cookie "z9hG4bK".
bool hasMagicCookie(std::string_view branch);
/// §17.2.3: branch, sent-by (host case-folded) and `method` ("INVITE" for an ACK).
void serverKey(const Via& topVia, std::string_view method, std::string& out);
/// §17.2.3 second half / §9.2: Call-ID, CSeq number, From tag, Request-URI, top Via.
/// Method and To tag are compared per candidate.
void server2543Key(const SipMessage& req, std::string& out);
/// §17.1.3: branch of the top Via + CSeq method.
void clientKey(std::string_view branch, std::string_view cseqMethod, std::string& out);
/// The first element of a comma-separated header value (quotes respected), trimmed.
std::string_view firstListElement(std::string_view value);
/// Status code of a response's wire bytes ("SIP/2.0 180 ..."); 0 if not a status line.
int statusCodeOf(std::string_view bytes);
std::string_view toTagOf(const SipMessage& msg);

}  // namespace trunkline::sip::txn_detail
