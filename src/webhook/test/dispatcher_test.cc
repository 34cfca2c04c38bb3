#include "webhook/dispatcher.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "webhook/call_events.h"
#include "webhook/payload.h"
#include "webhook/signature.h"
#include "webhook/test/test_util.h"

namespace trunkline::webhook {
namespace {

using namespace std::chrono_literals;
using testing::sub;

// Records posts; the test decides when and how each completes.
class FakeSender final : public Sender {
 public:
  struct Posted {
    OutgoingRequest request;
    Done done;
    bool completed = false;
  };
  void post(OutgoingRequest request, Done done) override {
    posted.push_back({std::move(request), std::move(done)});
  }
  void complete(std::size_t i, int status, std::string error = "") {
    ASSERT_LT(i, posted.size());
    ASSERT_FALSE(posted[i].completed);
    posted[i].completed = true;
    auto done = std::move(posted[i].done);
    done(SendResult{status, std::move(error)});
  }
  std::string header(std::size_t i, std::string_view name) const {
    for (const auto& [n, v] : posted.at(i).request.headers)
      if (n == name) return v;
    return {};
  }
  std::vector<Posted> posted;
};

storage::Cdr sampleCdr(Id account) {
  storage::Cdr c;
  c.callUuid = "c0ffee";
  c.accountId = account;
  c.fromRaw = "alice";
  c.toRaw = "15551230000";
  c.toE164 = "+15551230000";
  c.startMs = 1'700'000'000'000;
  c.answerMs = c.startMs + 2000;
  c.endMs = c.startMs + 62'000;
  c.durationMs = 60'000;
  c.billableS = 60;
  c.disposition = storage::Disposition::Answered;
  c.finalCode = 200;
  c.hangupBy = storage::HangupBy::Caller;
  return c;
}

Event callEnded(Id account) {
  Event e;
  e.type = EventType::CallEnded;
  e.accountId = account;
  e.atMs = 1'700'000'062'000;
  e.cdr = sampleCdr(account);
  return e;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file_ = testing::freshDbFile();
    db_ = testing::openDb(file_);
    ASSERT_TRUE(db_);
    acme_ = testing::addAccount(*db_, "acme");
    other_ = testing::addAccount(*db_, "other");
    store_ = std::make_unique<SqliteWebhookStore>(*db_);
    options_.retry.jitter = 0;
  }
  void makeDispatcher() {
    sender_ = std::make_unique<FakeSender>();
    dispatcher_ = std::make_unique<Dispatcher>(loop_, *store_, *sender_, options_, 7);
    ASSERT_TRUE(dispatcher_->start());
  }
  void turn() {
    for (int i = 0; i < 10 && loop_.poll() > 0; ++i) {
    }
  }
  void advance(base::Duration d) {
    clock_.advance(d);
    turn();
  }
  std::vector<Delivery> log(Id sid) { return *store_->deliveries(sid, 0, 100); }

  base::ManualClock clock_;
  net::EventLoop loop_{clock_};
  std::string file_;
  std::unique_ptr<storage::sqlite::Database> db_;
  std::unique_ptr<SqliteWebhookStore> store_;
  DispatcherOptions options_;
  std::unique_ptr<FakeSender> sender_;
  std::unique_ptr<Dispatcher> dispatcher_;
  Id acme_ = 0, other_ = 0;
};

TEST_F(DispatcherTest, DeliversSignedEventsToMatchingSubscriptionsOnly) {
  auto mine = *store_->addSubscription(sub(acme_, "http://127.0.0.1:9/acme"));
  auto ops = *store_->addSubscription(sub(0, "http://127.0.0.1:9/ops"));
  auto others = *store_->addSubscription(sub(other_, "http://127.0.0.1:9/other"));
  auto startsOnly =
      *store_->addSubscription(sub(acme_, "http://127.0.0.1:9/s", typeBit(EventType::CallStarted)));
  makeDispatcher();
  EXPECT_TRUE(dispatcher_->wants(EventType::CallEnded));

  ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  turn();
  ASSERT_EQ(sender_->posted.size(), 2u);  // acme's and the operator's, not other's or starts-only
  std::vector<std::string> targets;
  for (const auto& p : sender_->posted) targets.push_back(p.request.url.target);
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(targets, (std::vector<std::string>{"/acme", "/ops"}));

  const auto& req = sender_->posted[0].request;
  EXPECT_EQ(sender_->header(0, "Trunkline-Event"), "call.ended");
  EXPECT_EQ(sender_->header(0, "Trunkline-Attempt"), "1");
  const auto nowS =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.wallNow().time_since_epoch()).count();
  EXPECT_TRUE(verifySignature(sender_->header(0, "Trunkline-Signature"),
                              "whsec_" + std::string(64, 'a'), req.body, nowS));
  auto body = nlohmann::json::parse(req.body);
  EXPECT_EQ(body["type"], "call.ended");
  EXPECT_EQ(body["account_id"], acme_);
  EXPECT_EQ(body["id"], sender_->header(0, "Trunkline-Event-Id"));
  EXPECT_EQ(body["data"]["call_uuid"], "c0ffee");
  EXPECT_EQ(body["data"]["billable_s"], 60);
  EXPECT_EQ(body["data"]["disposition"], "answered");
  // Both subscriptions got the same event id.
  EXPECT_EQ(sender_->header(0, "Trunkline-Event-Id"), sender_->header(1, "Trunkline-Event-Id"));

  sender_->complete(0, 200);
  sender_->complete(1, 204);
  turn();
  for (auto sid : {mine, ops}) {
    auto l = log(sid);
    ASSERT_EQ(l.size(), 1u);
    EXPECT_EQ(l[0].state, DeliveryState::Delivered);
    EXPECT_EQ(l[0].attempts, 1u);
  }
  EXPECT_TRUE(log(others).empty());
  EXPECT_TRUE(log(startsOnly).empty());
  EXPECT_EQ(dispatcher_->stats().delivered, 2u);
}

TEST_F(DispatcherTest, RetriesOnTheBackoffScheduleUntilDelivered) {
  auto sid = *store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h"));
  makeDispatcher();
  ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  turn();
  ASSERT_EQ(sender_->posted.size(), 1u);
  sender_->complete(0, 500);
  turn();
  auto l = log(sid);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].state, DeliveryState::Pending);
  EXPECT_EQ(l[0].lastStatus, 500);

  advance(999ms);
  EXPECT_EQ(sender_->posted.size(), 1u);  // not before the 1 s step
  advance(1ms);
  ASSERT_EQ(sender_->posted.size(), 2u);
  EXPECT_EQ(sender_->header(1, "Trunkline-Attempt"), "2");
  EXPECT_EQ(sender_->posted[1].request.body, sender_->posted[0].request.body);
  sender_->complete(1, 0, "connect failed: Connection refused");
  turn();

  advance(4999ms);
  EXPECT_EQ(sender_->posted.size(), 2u);  // the 5 s step
  advance(1ms);
  ASSERT_EQ(sender_->posted.size(), 3u);
  sender_->complete(2, 200);
  turn();

  l = log(sid);
  EXPECT_EQ(l[0].state, DeliveryState::Delivered);
  ASSERT_EQ(l[0].log.size(), 3u);
  EXPECT_EQ(l[0].log[0].statusCode, 500);
  EXPECT_EQ(l[0].log[1].statusCode, 0);
  EXPECT_EQ(l[0].log[1].error, "connect failed: Connection refused");
  EXPECT_EQ(l[0].log[2].statusCode, 200);
  EXPECT_EQ(l[0].log[1].atMs - l[0].log[0].atMs, 1000);
  EXPECT_EQ(dispatcher_->stats().retried, 2u);
}

TEST_F(DispatcherTest, GivesUpAfterMaxAttempts) {
  options_.retry.maxAttempts = 3;
  auto sid = *store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h"));
  makeDispatcher();
  ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  turn();
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(sender_->posted.size(), i + 1);
    sender_->complete(i, 503);
    advance(1h);
  }
  EXPECT_EQ(sender_->posted.size(), 3u);
  auto l = log(sid);
  EXPECT_EQ(l[0].state, DeliveryState::Failed);
  EXPECT_EQ(l[0].attempts, 3u);
  EXPECT_EQ(dispatcher_->stats().failed, 1u);
}

TEST_F(DispatcherTest, GoneDisablesTheSubscription) {
  auto sid = *store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h"));
  makeDispatcher();
  ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  turn();
  sender_->complete(0, 410);
  turn();
  auto s = store_->subscription(sid);
  EXPECT_FALSE(s->enabled);
  EXPECT_FALSE(s->disabledReason.empty());
  EXPECT_EQ(log(sid)[0].state, DeliveryState::Cancelled);
  EXPECT_FALSE(dispatcher_->wants(EventType::CallEnded));
  ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  advance(1h);
  EXPECT_EQ(sender_->posted.size(), 1u);
}

TEST_F(DispatcherTest, FullQueueDropsWithoutBlocking) {
  options_.queueCapacity = 3;
  (void)*store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h"));
  makeDispatcher();
  // The loop is not turned: nothing drains the queue, and enqueue still returns at once.
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += dispatcher_->enqueue(callEnded(acme_)) ? 1 : 0;
  EXPECT_EQ(accepted, 3);
  EXPECT_EQ(dispatcher_->queued(), 3u);
  EXPECT_EQ(dispatcher_->stats().dropped, 7u);
  EXPECT_EQ(dispatcher_->stats().enqueued, 3u);
  turn();
  EXPECT_EQ(dispatcher_->queued(), 0u);
  EXPECT_EQ(sender_->posted.size(), 3u);
  EXPECT_TRUE(dispatcher_->enqueue(callEnded(acme_)));  // room again
}

TEST_F(DispatcherTest, BoundsAttemptsInFlight) {
  options_.maxInFlight = 2;
  (void)*store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h"));
  makeDispatcher();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  turn();
  EXPECT_EQ(sender_->posted.size(), 2u);
  EXPECT_EQ(dispatcher_->inFlight(), 2u);
  sender_->complete(0, 200);
  turn();
  EXPECT_EQ(sender_->posted.size(), 3u);  // one finished, one more started
  for (std::size_t i = 1; i < 5; ++i) {
    sender_->complete(i, 200);
    turn();
  }
  EXPECT_EQ(dispatcher_->stats().delivered, 5u);
  EXPECT_EQ(dispatcher_->inFlight(), 0u);
}

TEST_F(DispatcherTest, RestartResumesPendingDeliveries) {
  auto sid = *store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h"));
  makeDispatcher();
  ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  turn();
  ASSERT_EQ(sender_->posted.size(), 1u);
  const auto eventId = sender_->header(0, "Trunkline-Event-Id");
  // The node stops with the attempt in flight (no answer recorded).
  sender_.reset();
  dispatcher_.reset();
  store_.reset();
  db_.reset();

  db_ = testing::openDb(file_);
  store_ = std::make_unique<SqliteWebhookStore>(*db_);
  makeDispatcher();
  turn();
  ASSERT_EQ(sender_->posted.size(), 1u);
  EXPECT_EQ(sender_->header(0, "Trunkline-Event-Id"), eventId);
  sender_->complete(0, 200);
  turn();
  EXPECT_EQ(log(sid)[0].state, DeliveryState::Delivered);
}

TEST_F(DispatcherTest, RemovedSubscriptionCancelsItsRetries) {
  auto sid = *store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h"));
  makeDispatcher();
  ASSERT_TRUE(dispatcher_->enqueue(callEnded(acme_)));
  turn();
  sender_->complete(0, 500);
  turn();
  auto s = *store_->subscription(sid);
  s.enabled = false;
  ASSERT_TRUE(store_->updateSubscription(s));
  dispatcher_->subscriptionsChanged();
  advance(1h);
  EXPECT_EQ(sender_->posted.size(), 1u);
  EXPECT_EQ(log(sid)[0].state, DeliveryState::Cancelled);
}

TEST_F(DispatcherTest, CallEventSourceCopiesOnlyWantedEvents) {
  (void)*store_->addSubscription(sub(acme_, "http://127.0.0.1:9/h", typeBit(EventType::CallEnded)));
  makeDispatcher();
  CallEventSource source(*dispatcher_, clock_);
  auto cdr = sampleCdr(acme_);
  for (auto type : {call::CallEvent::Type::Started, call::CallEvent::Type::Ringing,
                    call::CallEvent::Type::Answered})
    source.onCallEvent(call::CallEvent{type, 0, 1, &cdr});
  source.onCallEvent(call::CallEvent{call::CallEvent::Type::Ended, 0, 1, nullptr});
  EXPECT_EQ(dispatcher_->stats().enqueued, 0u);  // nobody wants those; no CDR on the last
  source.onCallEvent(call::CallEvent{call::CallEvent::Type::Ended, 0, 1, &cdr});
  EXPECT_EQ(dispatcher_->stats().enqueued, 1u);
  cdr.callUuid = "changed after the event";  // the queue holds a copy
  turn();
  ASSERT_EQ(sender_->posted.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(sender_->posted[0].request.body)["data"]["call_uuid"], "c0ffee");
}

TEST(Payload, CarrierAndBalanceEvents) {
  auto e = carrierEvent({false, 3, "Carrier A", 9, "udp:198.51.100.7:5060", 0, "node1"}, 42);
  EXPECT_EQ(e.type, EventType::CarrierDown);
  EXPECT_EQ(e.accountId, 0);
  auto body = nlohmann::json::parse(renderEnvelope("evt_x", e.type, e.atMs, 0, e.dataJson));
  EXPECT_EQ(body["type"], "carrier.down");
  EXPECT_TRUE(body["account_id"].is_null());
  EXPECT_EQ(body["data"]["gateway_id"], 9);
  EXPECT_EQ(body["data"]["up"], false);
  auto b = balanceLowEvent(5, 120, 500, "EUR", 7);
  body = nlohmann::json::parse(renderEnvelope("evt_y", b.type, b.atMs, 5, b.dataJson));
  EXPECT_EQ(body["type"], "balance.low");
  EXPECT_EQ(body["data"]["balance_minor"], 120);
  // Bytes from the wire that are not UTF-8 do not break rendering.
  auto c = sampleCdr(1);
  c.fromRaw = "\xff\xfe";
  EXPECT_NO_THROW((void)nlohmann::json::parse(renderCdr(c)));
}

}  // namespace
}  // namespace trunkline::webhook
