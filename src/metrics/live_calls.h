#pragma once
// LiveCalls: the calls in progress, for GET /v1/calls and the active-calls gauge, fed by
// the B2BUA's lifecycle events (call/events.h).
//
// Each shard keeps its own table, touched only on its thread and only on call start,
// ring, answer and end (never per message). publish(shard), run by the shard every
// ~200 ms, replaces that shard's immutable view when the table changed; readers (the API
// thread) take the views with snapshot() — a pointer copy under a mutex the shard holds
// only while swapping a pointer. So a listing is at most one publish period old; the
// active-calls gauge is exact (a relaxed atomic).
//
// Lifetime: created by app/ before the B2BUAs it observes, destroyed after them.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "call/events.h"
#include "metrics/registry.h"

namespace trunkline::metrics {

struct LiveCall {
  std::uint32_t shard = 0;
  std::uint64_t callId = 0;  // within its shard
  std::string uuid;
  storage::Id accountId = 0, trunkId = 0, numberId = 0;
  storage::Direction direction = storage::Direction::Outbound;
  enum class State : std::uint8_t { Routing, Ringing, Answered } state = State::Routing;
  std::string from, to;          // user parts as received
  std::string fromE164, toE164;  // normalised
  std::string sourceAddress;     // "udp:203.0.113.5:5060"
  std::int64_t startMs = 0, ringMs = 0, answerMs = 0;
  // The attempt in progress when it rang or answered (the call's carrier/target then).
  std::size_t attempts = 0;
  storage::Id carrierId = 0;
  storage::Id targetTrunkId = 0;
  std::string target;  // "udp:198.51.100.7:5060"
};

std::string_view liveStateName(LiveCall::State s);

/// A shard's view: the calls share their records with the table (copy-on-write per call),
/// so publishing 10,000 calls copies 10,000 pointers, not their strings.
using LiveCallList = std::vector<std::shared_ptr<const LiveCall>>;

class LiveCalls final : public call::CallObserver {
 public:
  /// `shards`: how many B2BUAs report here (CallEvent::shard < shards).
  explicit LiveCalls(std::uint32_t shards = 1);
  LiveCalls(const LiveCalls&) = delete;
  LiveCalls& operator=(const LiveCalls&) = delete;

  /// The gauge trunkline_calls_active in `registry` (call once, before serving).
  void registerMetrics(Registry& registry);

  void onCallEvent(const call::CallEvent& event) override;
  /// Publishes shard `shard`'s view if its table changed since the last publish (that
  /// shard's thread).
  void publish(std::uint32_t shard);

  /// The published views, one per shard (any thread; never null).
  std::vector<std::shared_ptr<const LiveCallList>> snapshot() const;
  /// Calls started and not ended, now (any thread).
  std::int64_t active() const { return active_.load(std::memory_order_relaxed); }

 private:
  struct Shard {
    std::unordered_map<std::uint64_t, std::shared_ptr<const LiveCall>> calls;  // shard thread only
    bool dirty = false;                                                        // shard thread only
    std::shared_ptr<const LiveCallList> published;                             // guarded by mu_
  };
  std::vector<Shard> shards_;
  mutable std::mutex mu_;
  std::atomic<std::int64_t> active_{0};
};

}  // namespace trunkline::metrics
