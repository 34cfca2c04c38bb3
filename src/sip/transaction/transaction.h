#pragma once
// Vocabulary of the RFC 3261 §17 transaction layer: timer settings, the transport and
// transaction-user interfaces, handles, states and counters. The engine itself is in
// layer.h (TransactionLayer).
#include <chrono>
#include <cstdint>
#include <string_view>

#include "base/clock.h"
#include "sip/message/message.h"
#include "sip/transport/flow.h"

namespace trunkline::sip {

/// RFC 3261 §17.1.1.1 / Table 4 base timer values. One copy per TransactionLayer; the
/// derived timers (A..M) are computed from these.
struct TimerConfig {
  base::Duration t1 = std::chrono::milliseconds(500);  // RTT estimate
  base::Duration t2 = std::chrono::seconds(4);         // cap of non-INVITE / response retransmit
  base::Duration t4 = std::chrono::seconds(5);         // max time a message stays in the network
  /// Timer D on unreliable transports: "at least 32 s" (§17.1.1.2). Zero on TCP/TLS.
  base::Duration timerD = std::chrono::seconds(32);
  /// §17.2.1: an INVITE server transaction answers 100 Trying by itself when the TU has not
  /// sent any response within this time.
  base::Duration trying100 = std::chrono::milliseconds(200);
};

/// Hands complete wire messages to the transport module. Implemented by sip/transport
/// (and by fakes in tests). Called on the layer's shard thread only.
class TransportSender {
 public:
  virtual ~TransportSender() = default;
  /// Sends `bytes` (one complete SIP message) over `flow`. For responses, `flow` is the Flow
  /// the request arrived on; the transport applies RFC 3261 §18.2.2 / RFC 3581 itself.
  /// Returns false when the message could not be handed to the network (§17.1.4, §17.2.4).
  virtual bool send(const Flow& flow, std::string_view bytes) = 0;
};

/// Id-based handles: they never dangle. Once the transaction has ended, every call taking
/// the handle fails or returns nullopt. Id 0 is "no transaction".
struct ServerTransactionHandle {
  std::uint64_t id = 0;
  explicit operator bool() const { return id != 0; }
  bool operator==(const ServerTransactionHandle&) const = default;
};
struct ClientTransactionHandle {
  std::uint64_t id = 0;
  explicit operator bool() const { return id != 0; }
  bool operator==(const ClientTransactionHandle&) const = default;
};

/// Client states: INVITE uses Calling/Proceeding/Accepted/Completed (§17.1.1, RFC 6026);
/// non-INVITE uses Trying/Proceeding/Completed (§17.1.2).
enum class ClientState : std::uint8_t {
  Calling,
  Trying,
  Proceeding,
  Accepted,
  Completed,
  Terminated
};
/// Server states: INVITE uses Proceeding/Accepted/Completed/Confirmed (§17.2.1, RFC 6026);
/// non-INVITE uses Trying/Proceeding/Completed (§17.2.2).
enum class ServerState : std::uint8_t {
  Trying,
  Proceeding,
  Accepted,
  Completed,
  Confirmed,
  Terminated
};
std::string_view clientStateName(ClientState s);
std::string_view serverStateName(ServerState s);

/// Plain counters for metrics (read on the shard thread, or copied out by it).
struct TransactionCounters {
  std::uint64_t clientCreated = 0;
  std::uint64_t clientTerminated = 0;
  std::uint64_t serverCreated = 0;
  std::uint64_t serverTerminated = 0;
  std::uint64_t requestRetransmitsSent = 0;       // timers A and E
  std::uint64_t responseRetransmitsSent = 0;      // timer G, and replays to request retransmits
  std::uint64_t requestRetransmitsAbsorbed = 0;   // server side: kept away from the TU
  std::uint64_t responseRetransmitsAbsorbed = 0;  // client side: kept away from the TU
  std::uint64_t acksGenerated = 0;                // ACKs for non-2xx (incl. re-sent ones)
  std::uint64_t trying100Sent = 0;                // automatic 100 Trying
  std::uint64_t timeouts = 0;                     // B, F, H and abandoned server transactions
  std::uint64_t transportErrors = 0;
  std::uint64_t strayResponses = 0;
  std::uint64_t strayAcks = 0;  // ACKs matching no transaction (ACK for 2xx), to the TU
  std::uint64_t unmatchedCancels = 0;
};

/// The transaction user (dialog layer / B2BUA core). Every callback runs on the layer's
/// shard thread, from inside TransactionLayer::onMessage() or a timer; callbacks may call
/// back into the layer (respond, sendRequest...). Messages passed by reference are valid
/// only for the duration of the call (copy with toOwned()/raw() to keep them).
class TransactionUser {
 public:
  virtual ~TransactionUser() = default;

  /// A new request (not ACK, not CANCEL) created server transaction `txn`. The TU must
  /// answer it with TransactionLayer::respond() (now or later).
  virtual void onRequest(ServerTransactionHandle txn, const SipMessage& request,
                         const Flow& from) = 0;
  /// A new CANCEL, with its own server transaction `cancelTxn` (answer it: 200, or 481 when
  /// `inviteTxn` is empty, §9.2). `inviteTxn` is the INVITE server transaction it refers to,
  /// if one is alive (in any state; check serverState()).
  virtual void onCancel(ServerTransactionHandle cancelTxn, ServerTransactionHandle inviteTxn,
                        const SipMessage& cancel, const Flow& from) = 0;
  /// An ACK the layer does not absorb: an ACK for a 2xx (it has a new branch, so it matches
  /// no transaction and `inviteTxn` is empty), or one matching an INVITE server transaction
  /// in the Accepted state (RFC 6026 §8.7: passed up, `inviteTxn` set).
  virtual void onAck(const SipMessage& ack, const Flow& from,
                     ServerTransactionHandle inviteTxn) = 0;

  /// A response for client transaction `txn`: every provisional, the first non-2xx final,
  /// and every 2xx of an INVITE (retransmissions and forks, RFC 6026).
  virtual void onResponse(ClientTransactionHandle txn, const SipMessage& response) = 0;
  /// A response matching no client transaction (e.g. a 2xx retransmission after timer M).
  virtual void onStrayResponse(const SipMessage& response, const Flow& from) = 0;
  /// Timer B or F fired without a final response: treat as 408 (§17.1.1.2, §17.1.2.2).
  virtual void onClientTimeout(ClientTransactionHandle txn) = 0;
  /// A retransmission could not be sent: treat as 503 (§17.1.4). The transaction has ended.
  virtual void onClientTransportError(ClientTransactionHandle txn) = 0;

  /// A server transaction ended without completing: timer H fired with no ACK (§17.2.1),
  /// or a non-INVITE request was never answered within 64*T1. Default: nothing.
  virtual void onServerTimeout(ServerTransactionHandle txn) {}
  /// A response the layer sent by itself (100 Trying, retransmission) could not be sent;
  /// the transaction has ended (§17.2.4). Default: nothing.
  virtual void onServerTransportError(ServerTransactionHandle txn) {}
};

}  // namespace trunkline::sip
