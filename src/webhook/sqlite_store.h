#pragma once
// SQLite implementation of WebhookStore over the tables of migration 9
// (storage/sqlite/schema.cc). Same rules as the other SQLite stores: one thread at a time,
// must not outlive the Database.
#include "storage/sqlite/database.h"
#include "storage/sqlite/statement.h"
#include "webhook/store.h"

namespace trunkline::webhook {

class SqliteWebhookStore final : public WebhookStore {
 public:
  explicit SqliteWebhookStore(storage::sqlite::Database& db) : db_(db), stmts_(db) {}

  base::Result<Id> addSubscription(const Subscription& s) override;
  base::Result<Subscription> subscription(Id id) override;
  base::Result<std::vector<Subscription>> subscriptions(std::optional<Id> accountId) override;
  base::Result<void> updateSubscription(const Subscription& s) override;
  base::Result<void> removeSubscription(Id id) override;

  base::Result<void> addDeliveries(std::vector<Delivery>& deliveries) override;
  base::Result<std::vector<Delivery>> dueDeliveries(std::int64_t nowMs, std::size_t limit,
                                                    const std::vector<Id>& busy) override;
  base::Result<std::optional<std::int64_t>> nextDueMs(const std::vector<Id>& busy) override;
  base::Result<void> recordAttempt(Id deliveryId, const Attempt& attempt, DeliveryState state,
                                   std::int64_t nextAttemptMs) override;
  base::Result<void> disableSubscription(Id id, std::string reason, std::int64_t nowMs) override;

  base::Result<std::vector<Delivery>> deliveries(Id subscriptionId, Id before,
                                                 std::size_t limit) override;
  base::Result<std::size_t> pruneFinished(std::int64_t createdBeforeMs) override;

 private:
  base::Result<std::vector<Subscription>> selectSubs(std::string_view sql,
                                                     std::optional<std::int64_t> arg);
  base::Result<void> cancelPending(Id subscriptionId);
  base::Result<std::vector<Attempt>> attemptsOf(Id deliveryId);

  storage::sqlite::Database& db_;
  storage::sqlite::StatementCache stmts_;
};

}  // namespace trunkline::webhook
