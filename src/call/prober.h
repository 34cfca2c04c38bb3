#pragma once
// Prober: OPTIONS pings to carrier gateways (RFC 3261 §11) every `interval`, reporting per
// gateway whether it answered. Any final response counts as alive (a 403/404/405 still
// proves the SIP stack is up), except 408 and 503; Timer F and transport errors count as
// failures. The routing module's health tracker consumes the reports.
//
// Lives on one shard thread beside its TransactionLayer; register it with
// SipService::addClientSink() so that it sees its transactions' outcomes. Destroy it
// before the TimerQueue (its destructor cancels its timer).
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/timer_queue.h"
#include "call/b2bua.h"
#include "call/client_sink.h"

namespace trunkline::call {

struct ProbeTarget {
  storage::Id gatewayId = 0;
  sip::TransportKind transport = sip::TransportKind::Udp;
  net::Address destination;  // IP literal + port
  std::string uri;           // Request-URI, e.g. "sip:198.51.100.7:5060"
};

struct ProbeResult {
  storage::Id gatewayId = 0;
  bool ok = false;
  int code = 0;  // final response; 0 = timeout / transport error
};

class Prober final : public ClientSink {
 public:
  using Report = std::function<void(const ProbeResult&)>;

  Prober(base::TimerQueue& timers, sip::TransactionLayer& layer, LocalAddressFn localAddress,
         sip::RandomSource& random, Report report, std::string userAgent = "Trunkline");
  ~Prober() override;

  /// Replaces the gateway list; probing starts at the next round.
  void setTargets(std::vector<ProbeTarget> targets) { targets_ = std::move(targets); }
  /// Probes now and then every `interval` (not zero).
  void start(base::Duration interval);
  void stop();

  bool onResponse(sip::ClientTransactionHandle txn, const sip::SipMessage& response) override;
  bool onClientTimeout(sip::ClientTransactionHandle txn) override;
  bool onClientTransportError(sip::ClientTransactionHandle txn) override;

 private:
  void round();
  void finish(sip::ClientTransactionHandle txn, ProbeResult result);

  base::TimerQueue& timers_;
  sip::TransactionLayer& layer_;
  LocalAddressFn localAddress_;
  sip::RandomSource& random_;
  Report report_;
  std::string userAgent_;
  std::vector<ProbeTarget> targets_;
  base::Duration interval_{0};
  base::TimerId timer_ = 0;
  std::uint32_t cseq_ = 1;
  std::string callIdBase_;
  std::unordered_map<std::uint64_t, storage::Id> pending_;  // txn → gateway
};

}  // namespace trunkline::call
