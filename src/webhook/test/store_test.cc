#include <gtest/gtest.h>

#include "webhook/test/test_util.h"

namespace trunkline::webhook {
namespace {

using testing::sub;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::openDb(testing::freshDbFile());
    ASSERT_TRUE(db_);
    acme_ = testing::addAccount(*db_, "acme");
    store_ = std::make_unique<SqliteWebhookStore>(*db_);
  }
  Delivery delivery(Id sub, std::int64_t next, std::string eventId = "evt_1") {
    Delivery d;
    d.subscriptionId = sub;
    d.eventId = std::move(eventId);
    d.type = EventType::CallEnded;
    d.body = R"({"id":"evt_1"})";
    d.nextAttemptMs = next;
    d.createdMs = next;
    return d;
  }
  std::unique_ptr<storage::sqlite::Database> db_;
  std::unique_ptr<SqliteWebhookStore> store_;
  Id acme_ = 0;
};

TEST_F(StoreTest, SubscriptionsRoundTripAndScope) {
  auto op = store_->addSubscription(sub(0, "https://ops.example/h"));
  ASSERT_TRUE(op) << op.error().message;
  auto s = sub(acme_, "http://acme.example/h", typeBit(EventType::CallEnded));
  s.description = "billing bridge";
  auto mine = store_->addSubscription(s);
  ASSERT_TRUE(mine);
  EXPECT_FALSE(store_->addSubscription(sub(999, "http://x.example/")));  // no such account

  auto got = store_->subscription(*mine);
  ASSERT_TRUE(got);
  s.id = *mine;
  EXPECT_EQ(*got, s);
  EXPECT_EQ(store_->subscriptions(std::nullopt)->size(), 2u);
  ASSERT_EQ(store_->subscriptions(acme_)->size(), 1u);
  EXPECT_EQ(store_->subscriptions(acme_)->front().id, *mine);
  ASSERT_EQ(store_->subscriptions(Id{0})->size(), 1u);
  EXPECT_EQ(store_->subscriptions(Id{0})->front().id, *op);

  s.url = "https://acme.example/new";
  s.types = kAllTypes;
  ASSERT_TRUE(store_->updateSubscription(s));
  EXPECT_EQ(store_->subscription(*mine)->url, "https://acme.example/new");
  ASSERT_TRUE(store_->removeSubscription(*mine));
  EXPECT_EQ(store_->subscription(*mine).error().code, base::Errc::NotFound);
  EXPECT_EQ(store_->removeSubscription(*mine).error().code, base::Errc::NotFound);
}

TEST_F(StoreTest, DeliveriesDueAttemptsAndLog) {
  auto sid = *store_->addSubscription(sub(acme_, "http://acme.example/h"));
  std::vector<Delivery> rows = {delivery(sid, 1000, "evt_a"), delivery(sid, 5000, "evt_b")};
  ASSERT_TRUE(store_->addDeliveries(rows));
  ASSERT_NE(rows[0].id, 0);

  auto due = store_->dueDeliveries(1000, 10, {});
  ASSERT_TRUE(due);
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->front().eventId, "evt_a");
  EXPECT_EQ(due->front().accountId, acme_);
  EXPECT_TRUE(store_->dueDeliveries(1000, 10, {rows[0].id})->empty());  // in flight
  EXPECT_EQ(**store_->nextDueMs({}), 1000);
  EXPECT_EQ(**store_->nextDueMs({rows[0].id}), 5000);

  Attempt first{1, 1000, 500, "", 12};
  ASSERT_TRUE(store_->recordAttempt(rows[0].id, first, DeliveryState::Pending, 2000));
  EXPECT_TRUE(store_->dueDeliveries(1999, 10, {})->empty());
  Attempt second{2, 2000, 204, "", 3};
  ASSERT_TRUE(store_->recordAttempt(rows[0].id, second, DeliveryState::Delivered, 2000));

  auto log = store_->deliveries(sid, 0, 10);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 2u);
  const auto& d = (*log)[1];  // newest first: evt_b, then evt_a
  EXPECT_EQ(d.eventId, "evt_a");
  EXPECT_EQ(d.state, DeliveryState::Delivered);
  EXPECT_EQ(d.attempts, 2u);
  EXPECT_EQ(d.lastStatus, 204);
  EXPECT_EQ(d.deliveredMs, 2000);
  ASSERT_EQ(d.log.size(), 2u);
  EXPECT_EQ(d.log[0], first);
  EXPECT_EQ(d.log[1], second);
  // Cursor: below the newest id.
  auto older = store_->deliveries(sid, rows[1].id, 10);
  ASSERT_EQ(older->size(), 1u);
  EXPECT_EQ(older->front().id, rows[0].id);

  // Retention removes only finished rows.
  EXPECT_EQ(*store_->pruneFinished(1'000'000), 1u);
  EXPECT_EQ(store_->deliveries(sid, 0, 10)->size(), 1u);
}

TEST_F(StoreTest, DisablingCancelsPendingDeliveries) {
  auto sid = *store_->addSubscription(sub(acme_, "http://acme.example/h"));
  std::vector<Delivery> rows = {delivery(sid, 1000)};
  ASSERT_TRUE(store_->addDeliveries(rows));
  ASSERT_TRUE(store_->disableSubscription(sid, "the receiver answered 410 Gone", 5));
  auto s = store_->subscription(sid);
  EXPECT_FALSE(s->enabled);
  EXPECT_EQ(s->disabledReason, "the receiver answered 410 Gone");
  EXPECT_EQ(store_->deliveries(sid, 0, 10)->front().state, DeliveryState::Cancelled);
  EXPECT_FALSE(*store_->nextDueMs({}));
}

TEST_F(StoreTest, RemovingTheAccountRemovesItsSubscriptions) {
  auto sid = *store_->addSubscription(sub(acme_, "http://acme.example/h"));
  storage::sqlite::SqliteConfigStore cfg(*db_);
  ASSERT_TRUE(cfg.removeAccount(acme_));
  EXPECT_EQ(store_->subscription(sid).error().code, base::Errc::NotFound);
}

}  // namespace
}  // namespace trunkline::webhook
