#include "webhook/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>

namespace trunkline::webhook {

using base::Errc;
using base::fail;
using storage::sqlite::ReadTransaction;
using storage::sqlite::WriteTransaction;

namespace {

constexpr std::string_view kSubColumns =
    "SELECT id, COALESCE(account_id, 0), url, event_types, secret, enabled, insecure_tls, "
    "description, disabled_reason, created_ms, updated_ms FROM webhook_subscriptions ";

constexpr std::string_view kDeliveryColumns =
    "SELECT d.id, d.subscription_id, COALESCE(s.account_id, 0), d.event_id, d.event_type, d.body, "
    "d.state, d.attempts, d.last_status, d.last_error, d.next_attempt_ms, d.delivered_ms, "
    "d.created_ms FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = "
    "d.subscription_id ";

Delivery readDelivery(const storage::sqlite::Query& q) {
  Delivery d;
  d.id = q.i64(0);
  d.subscriptionId = q.i64(1);
  d.accountId = q.i64(2);
  d.eventId = q.text(3);
  d.type = parseEventType(q.text(4)).value_or(EventType::CallStarted);
  d.body = q.text(5);
  const auto state = q.i64(6);
  d.state = state >= 0 && state <= 3 ? static_cast<DeliveryState>(state) : DeliveryState::Failed;
  d.attempts = static_cast<std::uint32_t>(q.i64(7));
  d.lastStatus = static_cast<int>(q.i64(8));
  d.lastError = q.text(9);
  d.nextAttemptMs = q.i64(10);
  d.deliveredMs = q.i64(11);
  d.createdMs = q.i64(12);
  return d;
}

}  // namespace

base::Result<std::vector<Subscription>> SqliteWebhookStore::selectSubs(
    std::string_view sql, std::optional<std::int64_t> arg) {
  auto q = stmts_.get(sql);
  if (!q) return tl::unexpected(q.error());
  if (arg) q->bind(1, *arg);
  std::vector<Subscription> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    Subscription s;
    s.id = q->i64(0);
    s.accountId = q->i64(1);
    s.url = q->text(2);
    s.types = static_cast<std::uint32_t>(q->i64(3)) & kAllTypes;
    s.secret = q->text(4);
    s.enabled = q->i64(5) != 0;
    s.insecureTls = q->i64(6) != 0;
    s.description = q->text(7);
    s.disabledReason = q->text(8);
    s.createdMs = q->i64(9);
    s.updatedMs = q->i64(10);
    out.push_back(std::move(s));
  }
  return out;
}

base::Result<Id> SqliteWebhookStore::addSubscription(const Subscription& s) {
  if (s.accountId != 0) {
    auto q = stmts_.get("SELECT 1 FROM accounts WHERE id = ?1");
    if (!q) return tl::unexpected(q.error());
    q->bind(1, s.accountId);
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) return fail(Errc::NotFound, fmt::format("account {} not found", s.accountId));
  }
  auto q = stmts_.get(
      "INSERT INTO webhook_subscriptions (account_id, url, event_types, secret, enabled, "
      "insecure_tls, description, disabled_reason, created_ms, updated_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!q) return tl::unexpected(q.error());
  q->bindAll(nullptr, s.url, s.types, s.secret, s.enabled ? 1 : 0, s.insecureTls ? 1 : 0,
             s.description, s.disabledReason, s.createdMs, s.updatedMs);
  if (s.accountId != 0) q->bind(1, s.accountId);
  if (auto r = q->run(); !r) return tl::unexpected(r.error());
  return sqlite3_last_insert_rowid(db_.handle());
}

base::Result<Subscription> SqliteWebhookStore::subscription(Id id) {
  auto v = selectSubs(fmt::format("{} WHERE id = ?1", kSubColumns), id);
  if (!v) return tl::unexpected(v.error());
  if (v->empty()) return fail(Errc::NotFound, fmt::format("webhook {} not found", id));
  return std::move(v->front());
}

base::Result<std::vector<Subscription>> SqliteWebhookStore::subscriptions(
    std::optional<Id> accountId) {
  if (!accountId) return selectSubs(fmt::format("{} ORDER BY id", kSubColumns), std::nullopt);
  return selectSubs(fmt::format("{} WHERE COALESCE(account_id, 0) = ?1 ORDER BY id", kSubColumns),
                    *accountId);
}

base::Result<void> SqliteWebhookStore::cancelPending(Id subscriptionId) {
  auto q = stmts_.get(
      "UPDATE webhook_deliveries SET state = 3 WHERE subscription_id = ?1 AND state = 0");
  if (!q) return tl::unexpected(q.error());
  return q->bindAll(subscriptionId).run();
}

base::Result<void> SqliteWebhookStore::updateSubscription(const Subscription& s) {
  auto tx = WriteTransaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  auto q = stmts_.get(
      "UPDATE webhook_subscriptions SET url = ?2, event_types = ?3, secret = ?4, enabled = ?5, "
      "insecure_tls = ?6, description = ?7, disabled_reason = ?8, updated_ms = ?9 WHERE id = ?1");
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bindAll(s.id, s.url, s.types, s.secret, s.enabled ? 1 : 0, s.insecureTls ? 1 : 0,
                          s.description, s.disabledReason, s.updatedMs)
                   .run();
      !r)
    return r;
  if (sqlite3_changes(db_.handle()) == 0)
    return fail(Errc::NotFound, fmt::format("webhook {} not found", s.id));
  if (!s.enabled)
    if (auto r = cancelPending(s.id); !r) return r;
  return tx->commit();
}

base::Result<void> SqliteWebhookStore::removeSubscription(Id id) {
  auto q = stmts_.get("DELETE FROM webhook_subscriptions WHERE id = ?1");
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bindAll(id).run(); !r) return r;
  if (sqlite3_changes(db_.handle()) == 0)
    return fail(Errc::NotFound, fmt::format("webhook {} not found", id));
  return {};
}

base::Result<void> SqliteWebhookStore::addDeliveries(std::vector<Delivery>& deliveries) {
  if (deliveries.empty()) return {};
  auto tx = WriteTransaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  for (auto& d : deliveries) {
    auto q = stmts_.get(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, body, state, "
        "attempts, next_attempt_ms, created_ms) VALUES (?1, ?2, ?3, ?4, 0, 0, ?5, ?6)");
    if (!q) return tl::unexpected(q.error());
    if (auto r = q->bindAll(d.subscriptionId, d.eventId, eventTypeName(d.type), d.body,
                            d.nextAttemptMs, d.createdMs)
                     .run();
        !r)
      return r;
    d.id = sqlite3_last_insert_rowid(db_.handle());
    d.state = DeliveryState::Pending;
  }
  return tx->commit();
}

base::Result<std::vector<Delivery>> SqliteWebhookStore::dueDeliveries(std::int64_t nowMs,
                                                                      std::size_t limit,
                                                                      const std::vector<Id>& busy) {
  // Read a little more than asked so that in-flight rows (still pending) do not hide due
  // ones behind them; the busy list is bounded by the dispatcher's concurrency.
  auto q = stmts_.get(fmt::format(
      "{} WHERE d.state = 0 AND d.next_attempt_ms <= ?1 ORDER BY d.next_attempt_ms, d.id "
      "LIMIT ?2",
      kDeliveryColumns));
  if (!q) return tl::unexpected(q.error());
  q->bindAll(nowMs, static_cast<std::int64_t>(limit + busy.size()));
  std::vector<Delivery> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row || out.size() >= limit) break;
    auto d = readDelivery(*q);
    if (std::find(busy.begin(), busy.end(), d.id) != busy.end()) continue;
    out.push_back(std::move(d));
  }
  return out;
}

base::Result<std::optional<std::int64_t>> SqliteWebhookStore::nextDueMs(
    const std::vector<Id>& busy) {
  auto q = stmts_.get(
      "SELECT id, next_attempt_ms FROM webhook_deliveries WHERE state = 0 "
      "ORDER BY next_attempt_ms, id LIMIT ?1");
  if (!q) return tl::unexpected(q.error());
  q->bind(1, static_cast<std::int64_t>(busy.size() + 1));
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    if (std::find(busy.begin(), busy.end(), q->i64(0)) != busy.end()) continue;
    return std::optional<std::int64_t>{q->i64(1)};
  }
  return std::optional<std::int64_t>{};
}

base::Result<void> SqliteWebhookStore::recordAttempt(Id deliveryId, const Attempt& attempt,
                                                     DeliveryState state,
                                                     std::int64_t nextAttemptMs) {
  auto tx = WriteTransaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  auto ins = stmts_.get(
      "INSERT OR REPLACE INTO webhook_attempts (delivery_id, number, at_ms, status, error, "
      "duration_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  if (!ins) return tl::unexpected(ins.error());
  if (auto r = ins->bindAll(deliveryId, attempt.number, attempt.atMs, attempt.statusCode,
                            attempt.error, attempt.durationMs)
                   .run();
      !r) {
    // The delivery was removed with its subscription while the attempt was in flight.
    if (r.error().code == Errc::InvalidArgument) return {};
    return r;
  }
  auto up = stmts_.get(
      "UPDATE webhook_deliveries SET state = ?2, attempts = ?3, last_status = ?4, last_error = "
      "?5, next_attempt_ms = ?6, delivered_ms = ?7 WHERE id = ?1 AND state = 0");
  if (!up) return tl::unexpected(up.error());
  const std::int64_t delivered = state == DeliveryState::Delivered ? attempt.atMs : 0;
  if (auto r = up->bindAll(deliveryId, static_cast<int>(state), attempt.number, attempt.statusCode,
                           attempt.error, nextAttemptMs, delivered)
                   .run();
      !r)
    return r;
  return tx->commit();
}

base::Result<void> SqliteWebhookStore::disableSubscription(Id id, std::string reason,
                                                           std::int64_t nowMs) {
  auto tx = WriteTransaction::begin(db_);
  if (!tx) return tl::unexpected(tx.error());
  auto q = stmts_.get(
      "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = ?2, updated_ms = ?3 "
      "WHERE id = ?1");
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bindAll(id, reason, nowMs).run(); !r) return r;
  if (auto r = cancelPending(id); !r) return r;
  return tx->commit();
}

base::Result<std::vector<Attempt>> SqliteWebhookStore::attemptsOf(Id deliveryId) {
  auto q = stmts_.get(
      "SELECT number, at_ms, status, error, duration_ms FROM webhook_attempts "
      "WHERE delivery_id = ?1 ORDER BY number");
  if (!q) return tl::unexpected(q.error());
  q->bind(1, deliveryId);
  std::vector<Attempt> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    Attempt a;
    a.number = static_cast<std::uint32_t>(q->i64(0));
    a.atMs = q->i64(1);
    a.statusCode = static_cast<int>(q->i64(2));
    a.error = q->text(3);
    a.durationMs = static_cast<std::uint32_t>(q->i64(4));
    out.push_back(std::move(a));
  }
  return out;
}

base::Result<std::vector<Delivery>> SqliteWebhookStore::deliveries(Id subscriptionId, Id before,
                                                                   std::size_t limit) {
  ReadTransaction rt(db_);
  auto q = stmts_.get(fmt::format(
      "{} WHERE d.subscription_id = ?1 AND (?2 = 0 OR d.id < ?2) ORDER BY d.id DESC LIMIT ?3",
      kDeliveryColumns));
  if (!q) return tl::unexpected(q.error());
  q->bindAll(subscriptionId, before, static_cast<std::int64_t>(limit));
  std::vector<Delivery> out;
  for (;;) {
    auto row = q->step();
    if (!row) return tl::unexpected(row.error());
    if (!*row) break;
    out.push_back(readDelivery(*q));
  }
  for (auto& d : out) {
    auto log = attemptsOf(d.id);
    if (!log) return tl::unexpected(log.error());
    d.log = std::move(*log);
  }
  return out;
}

base::Result<std::size_t> SqliteWebhookStore::pruneFinished(std::int64_t createdBeforeMs) {
  auto q = stmts_.get("DELETE FROM webhook_deliveries WHERE state <> 0 AND created_ms < ?1");
  if (!q) return tl::unexpected(q.error());
  if (auto r = q->bindAll(createdBeforeMs).run(); !r) return tl::unexpected(r.error());
  return static_cast<std::size_t>(sqlite3_changes(db_.handle()));
}

}  // namespace trunkline::webhook
