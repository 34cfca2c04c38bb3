#pragma once
// WebhookStore: subscriptions and the delivery log, behind an interface (SQLite in
// sqlite_store.h). Deliveries are the durable part of the dispatcher: a delivery row is
// written before its first attempt and updated after every attempt, so a restarted node
// resumes what was pending.
//
// Threads: blocking; one thread at a time per instance. The API thread and the dispatcher
// thread each use their own instance over their own database connection.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "webhook/types.h"

namespace trunkline::webhook {

class WebhookStore {
 public:
  virtual ~WebhookStore() = default;

  // --- subscriptions (API) ---
  /// Stores a new subscription (id ignored). NotFound when accountId names no account.
  virtual base::Result<Id> addSubscription(const Subscription& s) = 0;
  virtual base::Result<Subscription> subscription(Id id) = 0;
  /// All subscriptions in id order, or those of one account (0 = operator-wide ones).
  virtual base::Result<std::vector<Subscription>> subscriptions(std::optional<Id> accountId) = 0;
  /// Replaces url, types, secret, enabled, insecureTls, description, disabledReason and
  /// updatedMs. A subscription that stops being enabled has its pending deliveries cancelled.
  virtual base::Result<void> updateSubscription(const Subscription& s) = 0;
  /// Removes it with its deliveries and their attempts. NotFound when absent.
  virtual base::Result<void> removeSubscription(Id id) = 0;

  // --- deliveries (dispatcher) ---
  /// Inserts deliveries (ids assigned in place) in one transaction.
  virtual base::Result<void> addDeliveries(std::vector<Delivery>& deliveries) = 0;
  /// Pending deliveries due at `nowMs`, earliest first, at most `limit`, skipping ids in
  /// `busy` (attempts in flight). `log` is not filled.
  virtual base::Result<std::vector<Delivery>> dueDeliveries(std::int64_t nowMs, std::size_t limit,
                                                            const std::vector<Id>& busy) = 0;
  /// The earliest next attempt among pending deliveries not in `busy`.
  virtual base::Result<std::optional<std::int64_t>> nextDueMs(const std::vector<Id>& busy) = 0;
  /// Appends `attempt` to the log and moves the delivery: `state`, its counters, the last
  /// status/error, `nextAttemptMs` (pending) or deliveredMs = attempt.atMs (delivered).
  virtual base::Result<void> recordAttempt(Id deliveryId, const Attempt& attempt,
                                           DeliveryState state, std::int64_t nextAttemptMs) = 0;
  /// Disables a subscription on the receiver's request (410 Gone) and cancels its pending
  /// deliveries.
  virtual base::Result<void> disableSubscription(Id id, std::string reason, std::int64_t nowMs) = 0;

  // --- the log (API) ---
  /// A subscription's deliveries, newest first, ids below `before` (0 = from the newest),
  /// at most `limit`, each with its attempts.
  virtual base::Result<std::vector<Delivery>> deliveries(Id subscriptionId, Id before,
                                                         std::size_t limit) = 0;
  /// Removes finished deliveries created before `createdBeforeMs` (retention).
  virtual base::Result<std::size_t> pruneFinished(std::int64_t createdBeforeMs) = 0;
};

}  // namespace trunkline::webhook
