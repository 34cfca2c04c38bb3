#pragma once
// CallStack: everything above the transaction layer that carries calls — the config
// snapshot and its refresher, digest, limits, carrier health and probing, the registrar,
// the policy chain, the B2BUA, and the CDR and registration writers with their own
// database connections. Built by runServer() on the signalling shard's thread; the
// writers and the snapshot refresher run their own threads.
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "billing/cdr_writer.h"
#include "call/events.h"
#include "net/event_loop.h"
#include "ops/config.h"
#include "sip/transaction/layer.h"
#include "sip/transport/transport_layer.h"
#include "storage/model.h"

namespace trunkline::call {
class SipService;
}
namespace trunkline::metrics {
struct ShardCounters;
}

namespace trunkline::app {

class CallStack {
 public:
  /// Opens the stack's database connections on `dbPath`, loads the config snapshot and
  /// the persisted registrations, starts the writer threads. Errors name what failed.
  static base::Result<std::unique_ptr<CallStack>> create(
      const ops::NodeConfig& cfg, const std::string& dbPath, net::EventLoop& loop,
      sip::TransportLayer& transport, std::vector<call::CallObserver*> observers = {});
  ~CallStack();
  CallStack(const CallStack&) = delete;
  CallStack& operator=(const CallStack&) = delete;

  /// Plugs the B2BUA, registrar and prober into the SIP service and transaction layer.
  void attach(call::SipService& service, sip::TransactionLayer& transactions);
  /// Ends every live call (BYE both sides, CDR hung up by System). Before the transport
  /// shuts down, so the BYEs go out.
  void hangupAll();
  /// Ends one live call by operator request (B2bua::hangup); false when it is not live.
  /// Loop thread.
  bool hangup(std::uint64_t callId, std::string reason);
  /// The B2BUA's and registrar's counters into `out` (loop thread).
  void fillCounters(metrics::ShardCounters& out) const;
  /// The CDR writer's counters and queue depth (any thread).
  billing::CdrWriterStats cdrStats() const;
  /// A carrier gateway's health flipped as this node's probes see it (carrier.up/down
  /// webhooks). The hook runs on the loop thread and must not block; set it before attach().
  struct GatewayChange {
    storage::Id carrierId = 0;
    std::string carrierName;
    storage::Id gatewayId = 0;
    std::string gateway;  // "udp:198.51.100.7:5060"
    bool up = false;
    int probeCode = 0;  // 0 = timeout / transport error
  };
  void setGatewayChangeHook(std::function<void(const GatewayChange&)> hook);
  /// Clean shutdown: stop probing and config refreshes, write every queued CDR and
  /// registration change. Call on the loop thread after it stopped serving.
  void stop();

  struct Impl;

 private:
  explicit CallStack(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace trunkline::app
