#pragma once
// TransactionLayer: the RFC 3261 §17 transaction engine of one shard.
//
// Owns every client and server transaction of its shard and their timers. Single-threaded:
// constructed, used and destroyed on the shard's event-loop thread, the same thread that
// runs the TimerQueue it is given. Destroy it before the TimerQueue, TransportSender and
// TransactionUser it references (its destructor cancels its timers).
//
// Usage (see README.md):
//   TransactionLayer layer(timers, TimerConfig{}, transport, tu);
//   layer.onMessage(std::move(msg), flow);         // every message the transport parsed
//   layer.respond(serverTxn, makeResponse(req, 180, {}, toTag));
//   std::string branch = layer.newBranch();        // put it in the top Via of a request
//   auto txn = layer.sendRequest(bytes, destinationFlow);  // then TU::onResponse(txn, ...)
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/timer_queue.h"
#include "sip/transaction/branch.h"
#include "sip/transaction/transaction.h"

namespace trunkline::sip {

namespace txn_detail {
struct ClientTxn;
struct ServerTxn;
// Index keys are views of the `key` string each transaction record owns (the record is heap
// allocated and its key never changes while indexed; endClient/endServer unindex it before
// it is freed), so indexing a transaction copies no string.
template <class V>
using StringMap = std::unordered_map<std::string_view, V>;
template <class V>
using StringMultiMap = std::unordered_multimap<std::string_view, V>;
enum class TimerName : std::uint8_t;
}  // namespace txn_detail

class TransactionLayer {
 public:
  TransactionLayer(base::TimerQueue& timers, TimerConfig config, TransportSender& sender,
                   TransactionUser& user);
  ~TransactionLayer();
  TransactionLayer(const TransactionLayer&) = delete;
  TransactionLayer& operator=(const TransactionLayer&) = delete;

  // ---- input from the transport -------------------------------------------------------
  /// Every parsed message received on this shard. Requests go to their server transaction
  /// (retransmissions absorbed) or create one and reach the TU; responses go to their client
  /// transaction; the rest reach the TU's stray handlers.
  void onMessage(SipMessage msg, const Flow& from);

  // ---- server side ---------------------------------------------------------------------
  /// Sends `response` (complete wire bytes, e.g. from makeResponse()) on server transaction
  /// `txn` and moves its state machine. Fails (InvalidArgument) when the transaction is gone
  /// or the response is not allowed in its state (a second final; only 2xx retransmissions
  /// pass once Accepted). A send failure (Io) ends the transaction.
  [[nodiscard]] base::Result<void> respond(ServerTransactionHandle txn, std::string response);
  std::optional<ServerState> serverState(ServerTransactionHandle txn) const;
  /// The request that created `txn`; valid until the transaction ends (do not keep it
  /// across calls into the layer: copy what you need).
  const SipMessage* request(ServerTransactionHandle txn) const;
  const Flow* flow(ServerTransactionHandle txn) const;

  // ---- client side ---------------------------------------------------------------------
  /// "z9hG4bK" + a random suffix, for the top Via of a request about to be sent.
  std::string newBranch() { return branches_.next(); }
  /// Starts a client transaction for `request` (complete wire bytes whose top Via carries
  /// a branch unique to this request, normally newBranch()) towards `to`. Not for ACK (an
  /// ACK for 2xx is sent with sendStateless(); an ACK for non-2xx is generated here).
  /// Errors: InvalidArgument (unparsable, ACK, no branch), AlreadyExists (branch in use),
  /// Io (the first send failed; no transaction remains, no callback is made).
  [[nodiscard]] base::Result<ClientTransactionHandle> sendRequest(std::string_view request,
                                                                  const Flow& to);
  std::optional<ClientState> clientState(ClientTransactionHandle txn) const;

  /// Ends a client transaction now, silently (no callback): for the TU giving up on an
  /// INVITE stuck in Proceeding, e.g. 64*T1 after its CANCEL got no final (§9.1), or its
  /// own setup timer. Later responses for it are stray. False if it had already ended.
  bool terminate(ClientTransactionHandle txn);
  /// Ends a server transaction now, silently: for a TU that decides never to answer.
  bool terminate(ServerTransactionHandle txn);

  /// Sends a message outside any transaction (ACK for 2xx, stateless replies).
  bool sendStateless(const Flow& to, std::string_view bytes);

  const TransactionCounters& counters() const { return counters_; }
  const TimerConfig& config() const { return config_; }
  /// Live transactions (for tests and gauges).
  std::size_t size() const { return clients_.size() + servers_.size(); }

 private:
  using ClientTxn = txn_detail::ClientTxn;
  using ServerTxn = txn_detail::ServerTxn;
  using TimerName = txn_detail::TimerName;
  class Entry;  // re-entrancy guard: frees ended transactions on the way out

  // layer.cc
  void onRequest(SipMessage msg, const Flow& from);
  void onResponseMessage(SipMessage msg, const Flow& from);
  void onTimer(std::uint64_t id, TimerName name);
  base::TimerId arm(std::uint64_t id, TimerName name, base::Duration after);
  void disarm(base::TimerId& timer);
  bool sendOn(const Flow& flow, std::string_view bytes);
  void endClient(ClientTxn& t);
  void endServer(ServerTxn& t);
  ClientTxn* findClient(std::uint64_t id) const;
  ServerTxn* findServer(std::uint64_t id) const;
  ServerTxn* matchServer(const SipMessage& msg, bool forCancel) const;
  ServerTxn* createServer(SipMessage msg, const Flow& from);
  base::Duration t64() const { return config_.t1 * 64; }

  // client_invite.cc (§17.1.1, RFC 6026)
  void startClientInvite(ClientTxn& t);
  void clientInviteResponse(ClientTxn& t, const SipMessage& rsp);
  void clientInviteTimer(ClientTxn& t, TimerName name);
  std::string buildAck(const ClientTxn& t, const SipMessage& rsp) const;
  // client_non_invite.cc (§17.1.2)
  void startClientNonInvite(ClientTxn& t);
  void clientNonInviteResponse(ClientTxn& t, const SipMessage& rsp);
  void clientNonInviteTimer(ClientTxn& t, TimerName name);
  // server_invite.cc (§17.2.1, RFC 6026)
  void startServerInvite(ServerTxn& t);
  void serverInviteRequest(ServerTxn& t, const SipMessage& req, const Flow& from);
  base::Result<void> serverInviteRespond(ServerTxn& t, std::string rsp, int code);
  void serverInviteTimer(ServerTxn& t, TimerName name);
  // server_non_invite.cc (§17.2.2)
  void startServerNonInvite(ServerTxn& t);
  void serverNonInviteRequest(ServerTxn& t, const SipMessage& req, const Flow& from);
  base::Result<void> serverNonInviteRespond(ServerTxn& t, std::string rsp, int code);
  void serverNonInviteTimer(ServerTxn& t, TimerName name);
  // both server roles (layer.cc)
  bool replay(ServerTxn& t, const std::string& bytes);
  base::Result<void> sendOrEnd(ServerTxn& t, std::string_view bytes);
  void noteFinal(ServerTxn& t, std::string_view response);
  void followFlow(ServerTxn& t, const Flow& from);

  base::TimerQueue& timers_;
  TimerConfig config_;
  TransportSender& sender_;
  TransactionUser& user_;
  BranchGenerator branches_;
  TransactionCounters counters_;

  std::uint64_t nextId_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<ClientTxn>> clients_;
  std::unordered_map<std::uint64_t, std::unique_ptr<ServerTxn>> servers_;
  // §17.1.3: branch + CSeq method -> client transaction.
  txn_detail::StringMap<std::uint64_t> clientIndex_;
  // §17.2.3 (magic cookie): branch + sent-by + method (ACK as INVITE) -> server transaction.
  txn_detail::StringMap<std::uint64_t> serverIndex_;
  // §17.2.3 second half (RFC 2543 peers): Call-ID + CSeq number + From tag + Request-URI +
  // top Via -> server transactions (INVITE, its CANCEL...), disambiguated by method/To tag.
  txn_detail::StringMultiMap<std::uint64_t> server2543Index_;

  mutable std::string scratch_;  // key buffer reused by lookups
  int depth_ = 0;                // nesting of public entry points (TU callbacks may re-enter)
  std::vector<std::unique_ptr<ClientTxn>> endedClients_;
  std::vector<std::unique_ptr<ServerTxn>> endedServers_;
};

}  // namespace trunkline::sip
