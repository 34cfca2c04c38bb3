// Non-INVITE server transaction (RFC 3261 §17.2.2): Trying/Proceeding/Completed, timer J,
// retransmission absorption, and our 64*T1 guard against a TU that never answers.
#include "sip/transaction/test/fixture.h"

namespace trunkline::sip::testing {
namespace {

using K = TuEvent::Kind;

class ServerNonInviteTest : public TxnTest {
 protected:
  std::string bye() {
    Req r;
    r.method = "BYE";
    r.branch = "z9hG4bKbye1";
    r.cseq = 2;
    r.toTag = "srv1";
    return requestText(r);
  }
};

TEST_F(ServerNonInviteTest, TryingDropsRetransmissionsSilently) {
  deliver(bye());
  const auto h = lastServerTxn();
  EXPECT_EQ(layer->serverState(h), ServerState::Trying);
  deliver(bye());
  deliver(bye());
  runFor(1s);
  EXPECT_TRUE(sender.sent.empty());  // never a 100 Trying for non-INVITE
  EXPECT_EQ(tu.count(K::Request), 1u);
  EXPECT_EQ(layer->counters().requestRetransmitsAbsorbed, 2u);
}

TEST_F(ServerNonInviteTest, ProceedingReplaysTheProvisional) {
  deliver(bye());
  const auto h = lastServerTxn();
  ASSERT_TRUE(layer->respond(h, answer(h, 100)).has_value());
  EXPECT_EQ(layer->serverState(h), ServerState::Proceeding);
  deliver(bye());
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sender.sent[1].bytes, sender.sent[0].bytes);
  EXPECT_EQ(tu.count(K::Request), 1u);
}

TEST_F(ServerNonInviteTest, CompletedReplaysFinalOncePerRetransmissionUntilTimerJ) {
  deliver(bye());
  const auto h = lastServerTxn();
  runFor(100ms);
  ASSERT_TRUE(layer->respond(h, answer(h, 200)).has_value());
  EXPECT_EQ(layer->serverState(h), ServerState::Completed);
  runFor(10s);
  EXPECT_EQ(sender.sent.size(), 1u);  // no timer-driven retransmission for non-INVITE
  deliver(bye());
  deliver(bye());
  ASSERT_EQ(sender.sent.size(), 3u);
  EXPECT_EQ(sender.sent[1].bytes, sender.sent[0].bytes);
  EXPECT_EQ(sender.sent[2].bytes, sender.sent[0].bytes);
  EXPECT_EQ(tu.count(K::Request), 1u);
  EXPECT_FALSE(layer->respond(h, answer(h, 500)).has_value());  // one final only
  // Timer J = 64*T1 after the final (at 0.1 s).
  runFor(22s - 1ns);
  EXPECT_EQ(layer->serverState(h), ServerState::Completed);
  runFor(1ns);
  EXPECT_FALSE(layer->serverState(h).has_value());
  // The same request now is new to us.
  deliver(bye());
  EXPECT_EQ(tu.count(K::Request), 2u);
  EXPECT_NE(lastServerTxn(), h);
}

TEST_F(ServerNonInviteTest, TimerJIsZeroOnTcp) {
  deliver(bye(), tcpFlow());
  const auto h = lastServerTxn();
  ASSERT_TRUE(layer->respond(h, answer(h, 200)).has_value());
  EXPECT_FALSE(layer->serverState(h).has_value());
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].flow.connectionId, 7u);
}

TEST_F(ServerNonInviteTest, UnansweredRequestIsAbandonedAfter64T1) {
  deliver(bye());
  const auto h = lastServerTxn();
  runFor(32s - 1ns);
  EXPECT_EQ(layer->serverState(h), ServerState::Trying);
  runFor(1ns);
  ASSERT_EQ(tu.count(K::ServerTimeout), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->serverState(h).has_value());
}

TEST_F(ServerNonInviteTest, AnsweredRequestIsNotAbandoned) {
  deliver(bye());
  const auto h = lastServerTxn();
  ASSERT_TRUE(layer->respond(h, answer(h, 200)).has_value());
  runFor(100s);
  EXPECT_EQ(tu.count(K::ServerTimeout), 0u);
}

TEST_F(ServerNonInviteTest, TransportErrorOnReplayInformsTu) {
  deliver(bye());
  const auto h = lastServerTxn();
  ASSERT_TRUE(layer->respond(h, answer(h, 200)).has_value());
  sender.fail = true;
  deliver(bye());
  ASSERT_EQ(tu.count(K::ServerTransportError), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->serverState(h).has_value());
}

TEST_F(ServerNonInviteTest, TransportErrorOnRespond) {
  deliver(bye());
  const auto h = lastServerTxn();
  sender.fail = true;
  auto r = layer->respond(h, answer(h, 200));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::Errc::Io);
  EXPECT_FALSE(layer->serverState(h).has_value());
}

}  // namespace
}  // namespace trunkline::sip::testing
