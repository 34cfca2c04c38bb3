// LiveCalls: the table follows the events, the published view only changes on publish(),
// the gauge is immediate.
#include <gtest/gtest.h>

#include "metrics/live_calls.h"

namespace trunkline::metrics {
namespace {

using Type = call::CallEvent::Type;

storage::Cdr cdr(std::string uuid) {
  storage::Cdr c;
  c.callUuid = std::move(uuid);
  c.accountId = 3;
  c.trunkId = 4;
  c.direction = storage::Direction::Inbound;
  c.fromRaw = "2001";
  c.toRaw = "+15551230000";
  c.startMs = 100;
  return c;
}

TEST(LiveCalls, FollowsACallFromStartToEnd) {
  LiveCalls live(2);
  auto c = cdr("a");
  live.onCallEvent({Type::Started, 1, 9, &c});
  EXPECT_EQ(live.active(), 1);
  EXPECT_TRUE(live.snapshot()[1]->empty());  // not published yet
  live.publish(1);
  auto view = live.snapshot();
  ASSERT_EQ(view.size(), 2u);
  EXPECT_TRUE(view[0]->empty());
  ASSERT_EQ(view[1]->size(), 1u);
  const LiveCall& l = *view[1]->front();
  EXPECT_EQ(l.uuid, "a");
  EXPECT_EQ(l.shard, 1u);
  EXPECT_EQ(l.callId, 9u);
  EXPECT_EQ(l.accountId, 3);
  EXPECT_EQ(l.state, LiveCall::State::Routing);

  storage::CdrAttempt a;
  a.carrierId = 0;
  a.trunkId = 5;
  a.target = "udp:192.0.2.1:5060";
  c.attempts.push_back(a);
  c.ringMs = 150;
  live.onCallEvent({Type::Ringing, 1, 9, &c});
  c.answerMs = 200;
  live.onCallEvent({Type::Answered, 1, 9, &c});
  live.publish(1);
  const LiveCall& answered = *live.snapshot()[1]->front();
  EXPECT_EQ(answered.state, LiveCall::State::Answered);
  EXPECT_EQ(answered.answerMs, 200);
  EXPECT_EQ(answered.target, "udp:192.0.2.1:5060");
  EXPECT_EQ(answered.targetTrunkId, 5);
  EXPECT_EQ(view[1]->front()->state, LiveCall::State::Routing);  // old views never change

  live.onCallEvent({Type::Ended, 1, 9, &c});
  EXPECT_EQ(live.active(), 0);
  live.publish(1);
  EXPECT_TRUE(live.snapshot()[1]->empty());
}

TEST(LiveCalls, EndWithoutStartIsIgnored) {
  LiveCalls live;
  auto c = cdr("rejected");
  live.onCallEvent({Type::Ended, 0, 1, &c});
  EXPECT_EQ(live.active(), 0);
  live.onCallEvent({Type::Ended, 5, 1, &c});  // an unknown shard: counted as a bug, ignored
  EXPECT_EQ(live.active(), 0);
}

TEST(LiveCalls, GaugeRendersInTheRegistry) {
  Registry r;
  LiveCalls live;
  live.registerMetrics(r);
  auto c = cdr("x");
  live.onCallEvent({Type::Started, 0, 1, &c});
  live.onCallEvent({Type::Started, 0, 2, &c});
  EXPECT_NE(r.render().find("\ntrunkline_calls_active 2\n"), std::string::npos) << r.render();
}

}  // namespace
}  // namespace trunkline::metrics
