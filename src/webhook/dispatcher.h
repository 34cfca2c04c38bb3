#pragma once
// Dispatcher: turns events into signed deliveries and retries them until they are
// delivered, fail for good or are cancelled.
//
//   any thread ──enqueue(Event)──▶ bounded queue ──(post)──▶ loop thread:
//     match enabled subscriptions → insert one delivery row per subscription (durable)
//     → pump: attempt due deliveries (≤ maxInFlight at once) through the Sender
//     → record each attempt; 2xx delivered, 410 disables the subscription, anything else
//       retried on the RetryPolicy schedule (backoff.h) until attempts or age run out.
//
// enqueue() never waits for I/O: it takes a short lock to push onto a bounded queue and
// drops the event (counted, logged at powers of two) when the queue is full. A dropped
// event leaves no trace in the delivery log: recording it would need the database on the
// caller's thread, which is exactly what must not happen on a shard.
//
// Everything after the queue is durable: a delivery row is written before its first
// attempt, so a restart resumes pending deliveries (at-least-once; receivers deduplicate
// on the event id or Trunkline-Delivery).
//
// Threads: enqueue(), wants(), subscriptionsChanged(), stats() from any thread; the rest on
// the loop thread (before the loop first runs, the constructing thread).
// Lifetime: constructed and destroyed with the loop stopped or on its thread; the store,
// sender and loop outlive it; destroy the sender first (its callbacks point here).
#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <unordered_map>

#include "net/event_loop.h"
#include "webhook/backoff.h"
#include "webhook/sender.h"
#include "webhook/store.h"

namespace trunkline::webhook {

struct DispatcherOptions {
  std::size_t queueCapacity = 10000;
  std::size_t maxInFlight = 16;
  RetryPolicy retry;
  std::string userAgent = "Trunkline-Webhooks/1";
  /// Subscriptions are reloaded this often (changes made through another node's API) and
  /// at once after subscriptionsChanged().
  base::Duration refreshInterval = std::chrono::seconds(5);
  /// Finished deliveries older than this are pruned from the log.
  base::Duration retention = std::chrono::hours(24 * 7);
  /// Longest sleep before looking at the table again (guards against wall clock jumps).
  base::Duration maxWait = std::chrono::seconds(60);
};

struct DispatcherStats {
  std::uint64_t enqueued = 0;   // accepted by enqueue()
  std::uint64_t dropped = 0;    // refused by enqueue(): queue full
  std::uint64_t unmatched = 0;  // events no subscription wanted
  std::uint64_t created = 0;    // delivery rows written
  std::uint64_t lost = 0;       // events lost to a database error before a row existed
  std::uint64_t attempts = 0;
  std::uint64_t delivered = 0;
  std::uint64_t retried = 0;  // failed attempts with another one scheduled
  std::uint64_t failed = 0;   // deliveries given up
  std::uint64_t cancelled = 0;
};

class Dispatcher {
 public:
  Dispatcher(net::EventLoop& loop, WebhookStore& store, Sender& sender, DispatcherOptions options,
             std::uint64_t seed);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  /// Queues an event; false when it was dropped (queue full). Never blocks on I/O.
  bool enqueue(Event event);
  /// True when some enabled subscription takes events of type `t`: a cheap check so that
  /// sources skip building events nobody wants.
  bool wants(EventType t) const {
    return (typesMask_.load(std::memory_order_relaxed) & typeBit(t)) != 0;
  }
  /// Subscriptions changed (API): reload them on the loop thread soon.
  void subscriptionsChanged();
  DispatcherStats stats() const;

  /// Loop thread: loads subscriptions, resumes pending deliveries, starts housekeeping.
  base::Result<void> start();
  /// Loop thread: stops timers; nothing new is attempted.
  void stop();
  std::size_t inFlight() const { return inFlight_.size(); }
  std::size_t queued() const;

 private:
  struct InFlight {
    Delivery delivery;
    base::MonoTime startedAt;
    std::int64_t startedWallMs = 0;
  };

  void wake();
  void drain();
  void reload();
  void pump();
  void arm();
  void housekeeping();
  void attempt(Delivery d);
  void onResult(Id deliveryId, const SendResult& result);
  void finishWithoutSend(const Delivery& d, DeliveryState state, std::string error);
  std::int64_t nowMs() const;
  std::vector<Id> busyIds() const;

  net::EventLoop& loop_;
  WebhookStore& store_;
  Sender& sender_;
  DispatcherOptions options_;
  std::mt19937_64 rng_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  mutable std::mutex mu_;
  std::deque<Event> queue_;  // guarded by mu_
  std::atomic<bool> wakePending_{false};
  std::atomic<bool> reloadRequested_{false};
  std::atomic<std::uint32_t> typesMask_{0};

  struct Counters {
    std::atomic<std::uint64_t> enqueued{0}, dropped{0}, unmatched{0}, created{0}, lost{0},
        attempts{0}, delivered{0}, retried{0}, failed{0}, cancelled{0};
  } counters_;

  // Loop thread only.
  std::map<Id, Subscription> subs_;
  std::unordered_map<Id, InFlight> inFlight_;
  base::TimerId timer_ = 0, housekeepingTimer_ = 0;
  base::MonoTime lastPrune_{};
  bool started_ = false, stopped_ = false;
};

}  // namespace trunkline::webhook
