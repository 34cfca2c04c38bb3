#pragma once
// B2bua: the back-to-back user agent. Every call is two dialogs — the caller's dialog with
// us (the "caller leg", we are its UAS) and our dialog with the callee (the "callee leg",
// we are its UAC) — and nothing of one side's addressing (Via, Contact, Record-Route,
// Call-ID, tags, IPs) reaches the other.
//
// Owns every Call of its shard (both legs, their timers, the CDR being built) and the
// indexes that find them: by Call-ID + our tag for each leg, by server transaction for
// CANCEL, by client transaction for responses. Lives on one shard thread beside its
// TransactionLayer (no locks); all timers run on that shard's TimerQueue and injected
// clock. Create it before the layer's first message, destroy it after the layer.
//
// It is driven by SipService (the TransactionUser), which dispatches INVITEs, in-dialog
// requests, CANCEL, ACK and client-transaction events here.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/timer_queue.h"
#include "call/client_sink.h"
#include "call/events.h"
#include "call/media.h"
#include "call/policy.h"
#include "call/rater.h"
#include "sip/auth/random.h"
#include "sip/transaction/layer.h"

namespace trunkline::call {

/// Our own address on a transport kind and IP family (AF_INET / AF_INET6): what goes into
/// Via, Contact and From of what we send. The app maps it to TransportLayer::listenAddress.
using LocalAddressFn = std::function<std::optional<net::Address>(sip::TransportKind, int family)>;

struct B2buaConfig {
  /// User-Agent on our requests and Server on our responses (empty: none).
  std::string userAgent = "Trunkline";
  LocalAddressFn localAddress;
  /// Dead-dialog detection on established calls (an in-dialog OPTIONS on both legs this
  /// often; 408/481/timeout → the call is ended). Zero turns it off.
  base::Duration deadDialogInterval = std::chrono::seconds(120);
  /// Media anchoring (null: session descriptions pass unchanged). Outlives the B2bua.
  MediaAnchor* media = nullptr;
  /// Told of every call's start, ringing, answer and end (events.h); they outlive the
  /// B2bua and are called on its thread.
  std::vector<CallObserver*> observers;
  /// This B2bua's shard index (CallEvent::shard), so observers can route back to it.
  std::uint32_t shard = 0;
  /// Prices every CDR before it is emitted and submitted (null: CDRs are left unrated).
  /// Outlives the B2bua; called on its thread.
  CallRater* rater = nullptr;
};

/// Plain counters for metrics (shard thread only).
struct CallCounters {
  std::uint64_t invites = 0;   // INVITEs that reached the B2BUA
  std::uint64_t rejected = 0;  // refused by policy (or no route)
  std::uint64_t answered = 0;
  std::uint64_t failed = 0;     // every target failed / busy / no answer
  std::uint64_t cancelled = 0;  // the caller gave up before answer
  std::uint64_t ended = 0;      // CDRs written
  std::uint64_t attempts = 0;   // INVITEs sent to targets
  std::uint64_t failovers = 0;  // moves to a next target
  std::uint64_t authRetries = 0;
  std::uint64_t extraAnswersReleased = 0;  // forked / late 2xx answered with ACK + BYE
  std::uint64_t deadDialogs = 0;
  std::uint64_t maxDurationHangups = 0;
  std::uint64_t ackTimeouts = 0;
  std::uint64_t relayedRequests = 0;  // in-dialog requests carried across
};

namespace detail {
struct Call;
struct ClientRef;
struct Orphan;
}  // namespace detail

class B2bua final : public ClientSink {
 public:
  /// `random` (call UUIDs, tags, cnonces) must outlive the B2bua.
  B2bua(base::TimerQueue& timers, B2buaConfig config, CallPolicy& policy, CdrSink& cdrs,
        sip::RandomSource& random);
  ~B2bua() override;
  B2bua(const B2bua&) = delete;
  B2bua& operator=(const B2bua&) = delete;

  /// The layer requests go through; call once, before the first message.
  void attach(sip::TransactionLayer& layer) { layer_ = &layer; }
  /// One more observer (like B2buaConfig::observers); before the first message.
  void addObserver(CallObserver* observer) { config_.observers.push_back(observer); }

  /// A new INVITE without To tag (checks of SipService already passed).
  void onInvite(sip::ServerTransactionHandle txn, const sip::SipMessage& invite,
                const sip::Flow& from);
  /// A request with a To tag. False when it belongs to no call (the caller answers 481).
  bool onInDialogRequest(sip::ServerTransactionHandle txn, const sip::SipMessage& request,
                         const sip::Flow& from);
  /// A CANCEL; false when its INVITE is none of ours.
  bool onCancel(sip::ServerTransactionHandle cancelTxn, sip::ServerTransactionHandle inviteTxn,
                const sip::SipMessage& cancel, const sip::Flow& from);
  /// An ACK passed up by the layer; false when it is none of ours.
  bool onAck(const sip::SipMessage& ack, const sip::Flow& from,
             sip::ServerTransactionHandle inviteTxn);
  /// A response matching no transaction (2xx retransmissions after timer M).
  void onStrayResponse(const sip::SipMessage& response, const sip::Flow& from);

  // ClientSink
  bool onResponse(sip::ClientTransactionHandle txn, const sip::SipMessage& response) override;
  bool onClientTimeout(sip::ClientTransactionHandle txn) override;
  bool onClientTransportError(sip::ClientTransactionHandle txn) override;

  /// Ends every call now (node shutdown): unanswered ones get 503 and their attempt is
  /// CANCELled, established ones are BYEd on both legs; each writes its CDR (hangupBy
  /// System) and is released. Call before destroying the layer.
  void shutdown();

  /// Ends one call by operator request (the API): before the answer the attempt is
  /// CANCELled and the caller gets 487, an established call is BYEd on both legs. The CDR
  /// says hangupBy System with `reason` as its final reason. False when no such call is
  /// live (already ended). Shard thread only (the API posts it here).
  bool hangup(std::uint64_t callId, std::string reason);

  std::size_t liveCalls() const { return calls_.size(); }
  const CallCounters& counters() const { return counters_; }

 private:
  using Call = detail::Call;
  friend struct detail::Call;

  // call.cc: lifecycle, lookups, CDR
  bool onClientFailure(sip::ClientTransactionHandle txn, int code, const char* reason);
  Call* findCall(std::uint64_t id);
  Call* findDialog(std::string_view callId, std::string_view localTag, Leg& leg);
  void finish(Call& call, storage::Disposition disposition, int code, std::string reason,
              storage::HangupBy by);
  void hangupBoth(Call& call, storage::HangupBy by, std::string reason);
  void onNoMedia(Call& call);
  void emit(const Call& call, CallEvent::Type type);
  /// The offer for the current target through the call's media (call.calleeOffer); false
  /// with the SIP code to record when it cannot be carried (488, or 503 without ports).
  bool prepareOffer(Call& call, const Target& target, int& failCode);
  std::string newTag();
  std::string newUuid();
  std::int64_t wallMs() const;
  base::TimerId schedule(Call& call, base::Duration after, void (B2bua::*fn)(Call&));
  void track(Call& call, sip::ClientTransactionHandle txn, detail::ClientRef ref);
  sip::Flow calleeFlow(const Target& target) const;
  std::string viaFor(const sip::Flow& flow);
  std::string contactFor(const sip::Flow& flow) const;
  net::Address localFor(const sip::Flow& flow) const;
  void releaseExtraAnswer(std::string_view inviteBytes, const sip::SipMessage& response,
                          const sip::Flow& flow);

  // inbound_leg.cc: the caller's dialog (we are its UAS)
  std::string respondCaller(Call& call, int code, std::string_view reason, std::string extra = {},
                            std::string_view contentType = {}, std::string_view body = {});
  void onReliableTimer(Call& call);
  void stopReliable(Call& call);
  void relayProvisional(Call& call, const sip::SipMessage& rsp);
  /// The callee's 2xx to the caller, with its description already through the media.
  void relayAnswer(Call& call, const sip::SipMessage& rsp, std::string_view contentType,
                   std::string body);
  void onCallerCancel(Call& call);
  void onPending2xxTimer(Call& call, Leg leg);
  void armPending2xx(Call& call, Leg leg, sip::ServerTransactionHandle txn, std::string bytes,
                     std::optional<std::uint32_t> ackCSeq);
  void onAckFrom(Call& call, Leg leg, const sip::SipMessage& ack);

  // outbound_leg.cc: our dialog with the callee (we are its UAC)
  std::string buildInvite(Call& call, std::uint32_t cseq, std::string_view authHeader);
  bool sendInvite(Call& call, std::string_view authHeader);
  void onInviteResponse(Call& call, const sip::SipMessage& rsp);
  void onAnswered(Call& call, const sip::SipMessage& rsp);
  void sendAck(Call& call, Leg leg, std::uint32_t cseq, std::string_view contentType,
               std::string_view body);
  void sendPrack(Call& call, std::uint32_t rseq, std::uint32_t inviteCSeq);
  bool retryWithCredentials(Call& call, const sip::SipMessage& rsp);

  // failover.cc: targets in order, ring timeout, best final
  void tryNext(Call& call);
  void onAttemptFailed(Call& call, int code, std::string reason, bool timeout);
  void onRingTimeout(Call& call);
  void abandonAttempt(Call& call);
  void failCall(Call& call);

  // relay.cc: in-dialog requests and their responses across the legs
  void relayRequest(Call& call, Leg from, sip::ServerTransactionHandle txn,
                    const sip::SipMessage& req);
  void relayResponse(Call& call, const detail::ClientRef& ref, const sip::SipMessage& rsp);
  void relayFailure(Call& call, const detail::ClientRef& ref, int code);
  bool sendInDialog(Call& call, Leg leg, std::string_view method, detail::ClientRef ref,
                    std::string extra = {}, std::string_view contentType = {},
                    std::string_view body = {});
  void onMaxDuration(Call& call);
  void onProbeTimer(Call& call);

  base::TimerQueue& timers_;
  B2buaConfig config_;
  CallPolicy& policy_;
  CdrSink& cdrs_;
  sip::RandomSource& random_;
  sip::TransactionLayer* layer_ = nullptr;
  CallCounters counters_;

  std::uint64_t nextCallId_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Call>> calls_;
  // Call-ID + '\n' + our tag on that leg → call id and leg.
  std::unordered_map<std::string, std::pair<std::uint64_t, Leg>> dialogs_;
  std::unordered_map<std::uint64_t, std::uint64_t> inviteTxns_;   // caller INVITE txn → call
  std::unordered_map<std::uint64_t, detail::ClientRef> clients_;  // client txn → owner
  std::unordered_map<std::uint64_t, detail::Orphan> orphans_;     // abandoned INVITE txns
  std::vector<std::unique_ptr<Call>> ended_;  // freed on the next entry (re-entrancy)
};

}  // namespace trunkline::call
