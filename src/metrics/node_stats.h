#pragma once
// NodeStats: the SIP stack's plain per-shard counters (transport, transactions, the SIP
// service, the B2BUA, the registrar), published for /metrics without touching the hot
// path: each shard copies its counters here on a timer (every ~250 ms, a few hundred bytes
// under a mutex nobody holds per message) and a scrape sums the latest copies. So the
// values are at most one period old.
//
// Also the CDR writer's stats (thread-safe, read at scrape time).
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "billing/cdr_writer.h"
#include "call/b2bua.h"
#include "call/sip_service.h"
#include "metrics/registry.h"
#include "registrar/registrar.h"
#include "sip/transaction/transaction.h"
#include "sip/transport/transport_layer.h"

namespace trunkline::metrics {

struct ShardCounters {
  sip::TransportCounters transport;
  sip::TransactionCounters transactions;
  call::ServiceCounters service;
  call::CallCounters calls;
  registrar::RegistrarCounters registrar;
  std::uint64_t registrations = 0;  // live bindings (the shard that runs the registrar)
  std::uint64_t liveCalls = 0;      // calls the B2BUA holds (includes ones ending now)
};

class NodeStats {
 public:
  explicit NodeStats(std::uint32_t shards = 1) : shards_(shards ? shards : 1) {}
  NodeStats(const NodeStats&) = delete;
  NodeStats& operator=(const NodeStats&) = delete;

  /// The shard's thread: its counters now.
  void publish(std::uint32_t shard, const ShardCounters& counters);
  /// Sum over shards (any thread).
  ShardCounters total() const;

  /// Adds the SIP, B2BUA and registrar families to `registry`, and the CDR writer's when
  /// `cdrStats` is given (a thread-safe reader, e.g. CdrWriter::stats).
  void registerMetrics(Registry& registry, std::function<billing::CdrWriterStats()> cdrStats);

 private:
  mutable std::mutex mu_;
  std::vector<ShardCounters> shards_;  // guarded by mu_
};

}  // namespace trunkline::metrics
