#pragma once
// SipService: the transaction user at the top of the SIP stack — the entry point of the
// B2BUA. It answers OPTIONS, applies the checks every request must pass (RFC 3261 §8.2:
// URI scheme, Require; §16.3: Max-Forwards, loops; §8.2.2.2: merged requests), answers
// malformed requests with 400 and a reason naming the problem, and dispatches the rest:
// INVITEs without To tag, in-dialog requests (481 when they match no call), CANCEL, ACK and
// client-transaction events to the B2bua; REGISTER to the RegistrarHook; client events of
// other senders (the carrier Prober) to their ClientSink. Without a B2bua / hook, INVITE
// and REGISTER get 403 (nothing provisioned), never silence.
//
// Lives on one shard's thread, beside the TransactionLayer it serves; it must outlive it.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/log.h"
#include "base/timer_queue.h"
#include "call/client_sink.h"
#include "sip/transaction/branch.h"
#include "sip/transaction/layer.h"

namespace trunkline::call {

struct ServiceConfig {
  /// Value of the Server header on our responses (empty: none).
  std::string serverHeader = "Trunkline";
  /// Our own sent-by values ("127.0.0.1:5060", "[::1]:5060"): a request carrying one of
  /// these in a Via has been through us already (loop, §16.3 step 4 / 482).
  std::vector<std::string> localSentBy;
};

/// Plain counters for metrics.
struct ServiceCounters {
  std::uint64_t requests = 0;
  std::uint64_t optionsAnswered = 0;
  std::uint64_t malformedRequests = 0;  // answered 400
  std::uint64_t malformedDropped = 0;   // responses, or requests we could not answer
  std::uint64_t loopsDetected = 0;
  std::uint64_t tooManyHops = 0;
};

class B2bua;

/// Where REGISTER requests go (the registrar module). It answers through the layer.
class RegistrarHook {
 public:
  virtual ~RegistrarHook() = default;
  virtual void onRegister(sip::TransactionLayer& layer, sip::ServerTransactionHandle txn,
                          const sip::SipMessage& request, const sip::Flow& from) = 0;
};

class SipService final : public sip::TransactionUser {
 public:
  SipService(base::TimerQueue& timers, ServiceConfig config);
  /// The layer whose user this is; call once, before the first message.
  void attach(sip::TransactionLayer& layer) { layer_ = &layer; }
  /// The B2BUA taking INVITEs and in-dialog requests (and its client transactions).
  void setB2bua(B2bua* b2bua);
  void setRegistrar(RegistrarHook* hook) { registrar_ = hook; }
  /// Another sender of requests (e.g. the Prober) that wants its transactions' outcomes.
  void addClientSink(ClientSink* sink) { sinks_.push_back(sink); }

  /// A message the transport could not parse. Requests get 400 with the parse error as the
  /// reason phrase when enough of the message survives to address a response (Via, From,
  /// To, Call-ID, CSeq); everything else is dropped and counted.
  /// A wrong version gets 505 and an oversized message 513 (RFC 3261 §21.5).
  void onMalformed(std::string_view bytes, const sip::ParseError& error, const sip::Flow& from);

  const ServiceCounters& counters() const { return counters_; }

  // sip::TransactionUser
  void onRequest(sip::ServerTransactionHandle txn, const sip::SipMessage& request,
                 const sip::Flow& from) override;
  void onCancel(sip::ServerTransactionHandle cancelTxn, sip::ServerTransactionHandle inviteTxn,
                const sip::SipMessage& cancel, const sip::Flow& from) override;
  void onAck(const sip::SipMessage& ack, const sip::Flow& from,
             sip::ServerTransactionHandle inviteTxn) override;
  void onResponse(sip::ClientTransactionHandle txn, const sip::SipMessage& response) override;
  void onStrayResponse(const sip::SipMessage& response, const sip::Flow& from) override;
  void onClientTimeout(sip::ClientTransactionHandle txn) override;
  void onClientTransportError(sip::ClientTransactionHandle txn) override;

 private:
  void respond(sip::ServerTransactionHandle txn, const sip::SipMessage& req, int code,
               std::string_view reason = {}, std::string_view extraHeaders = {});
  bool isLoop(const sip::SipMessage& req) const;
  bool isMerged(const sip::SipMessage& req);
  std::string newTag();

  base::TimerQueue& timers_;
  ServiceConfig config_;
  sip::TransactionLayer* layer_ = nullptr;
  B2bua* b2bua_ = nullptr;
  RegistrarHook* registrar_ = nullptr;
  std::vector<ClientSink*> sinks_;  // the B2bua first, then addClientSink() order
  sip::BranchGenerator random_;
  ServiceCounters counters_;
  // §8.2.2.2 merged-request detection: Call-ID + From tag + CSeq -> top Via branch of the
  // first copy seen, remembered for 64*T1 (the life of its server transaction).
  std::unordered_map<std::string, std::string> recentRequests_;
};

}  // namespace trunkline::call
