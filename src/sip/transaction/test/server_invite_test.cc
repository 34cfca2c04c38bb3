// INVITE server transaction (RFC 3261 §17.2.1, RFC 6026): automatic 100 Trying, timers G,
// H, I, L, retransmission absorption, ACK handling, transport errors.
#include "sip/transaction/test/fixture.h"

namespace trunkline::sip::testing {
namespace {

using K = TuEvent::Kind;

class ServerInviteTest : public TxnTest {
 protected:
  ServerTransactionHandle receiveInvite(const Flow& from = udpFlow()) {
    deliver(requestText(Req{}), from);
    EXPECT_EQ(tu.count(K::Request), 1u);
    return lastServerTxn();
  }
  // The ACK a client transaction sends for our non-2xx (§17.1.1.3): same branch.
  std::string ackFor(std::string toTag = "srv1", std::string branch = "z9hG4bKinv1") {
    Req ack;
    ack.method = "ACK";
    ack.branch = std::move(branch);
    ack.toTag = std::move(toTag);
    return requestText(ack);
  }
};

TEST_F(ServerInviteTest, Sends100TryingAfter200msWhenTuIsSilent) {
  const auto h = receiveInvite();
  EXPECT_EQ(layer->serverState(h), ServerState::Proceeding);
  runFor(200ms - 1ns);
  EXPECT_TRUE(sender.sent.empty());
  runFor(1ns);
  ASSERT_EQ(sender.sent.size(), 1u);
  const SipMessage trying = sentMessage(0);
  EXPECT_EQ(trying.statusCode(), 100);
  EXPECT_EQ(trying.topVia().branch, "z9hG4bKinv1");
  EXPECT_EQ(trying.callId(), "call-1@10.0.0.2");
  EXPECT_EQ(trying.cseq().number, 1u);
  EXPECT_EQ(trying.cseq().method, Method::Invite);
  EXPECT_FALSE(trying.to().tag().has_value());
  EXPECT_EQ(sender.sent[0].flow.remote, udpFlow().remote);
  EXPECT_EQ(layer->counters().trying100Sent, 1u);
  runFor(60s);
  EXPECT_EQ(sender.sent.size(), 1u);  // once only, and never retransmitted by itself
  // A retransmitted INVITE is answered with it.
  deliver(requestText(Req{}));
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sentCode(1), 100);
  EXPECT_EQ(tu.count(K::Request), 1u);
}

TEST_F(ServerInviteTest, No100WhenTuAnswersWithin200ms) {
  const auto h = receiveInvite();
  runFor(150ms);
  ASSERT_TRUE(layer->respond(h, answer(h, 180)).has_value());
  EXPECT_EQ(timers.pending(), 0u);  // the 100 Trying timer is cancelled
  runFor(1s);
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sentCode(0), 180);
  EXPECT_EQ(layer->counters().trying100Sent, 0u);
}

TEST_F(ServerInviteTest, No100WhenTuAnswersFromInsideOnRequest) {
  tu.requestHook = [this](ServerTransactionHandle h, const SipMessage& req) {
    EXPECT_TRUE(layer->respond(h, makeResponse(req, 486, {}, "t")).has_value());
  };
  const auto h = receiveInvite();
  EXPECT_EQ(layer->serverState(h), ServerState::Completed);
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sentCode(0), 486);
  EXPECT_EQ(layer->counters().trying100Sent, 0u);
}

TEST_F(ServerInviteTest, Trying100DelayIsConfigurable) {
  TimerConfig cfg;
  cfg.trying100 = 50ms;
  makeLayer(cfg);
  receiveInvite();
  runFor(49ms);
  EXPECT_TRUE(sender.sent.empty());
  runFor(1ms);
  EXPECT_EQ(sender.sent.size(), 1u);
}

TEST_F(ServerInviteTest, RetransmittedInviteReplaysLatestProvisionalAndSkipsTu) {
  const auto h = receiveInvite();
  deliver(requestText(Req{}));  // before any provisional: nothing to say
  EXPECT_TRUE(sender.sent.empty());
  ASSERT_TRUE(layer->respond(h, answer(h, 180)).has_value());
  ASSERT_TRUE(layer->respond(h, answer(h, 183)).has_value());
  ASSERT_EQ(sender.sent.size(), 2u);
  deliver(requestText(Req{}));
  deliver(requestText(Req{}));
  ASSERT_EQ(sender.sent.size(), 4u);
  EXPECT_EQ(sender.sent[2].bytes, sender.sent[1].bytes);  // the 183, exactly
  EXPECT_EQ(sender.sent[3].bytes, sender.sent[1].bytes);
  EXPECT_EQ(tu.count(K::Request), 1u);
  EXPECT_EQ(layer->counters().requestRetransmitsAbsorbed, 3u);
  EXPECT_EQ(layer->counters().responseRetransmitsSent, 2u);
  EXPECT_EQ(layer->counters().serverCreated, 1u);
}

TEST_F(ServerInviteTest, TimerGDoublesUpToT2UntilTimerH) {
  const auto h = receiveInvite();
  ASSERT_TRUE(layer->respond(h, answer(h, 486)).has_value());
  EXPECT_EQ(layer->serverState(h), ServerState::Completed);
  runFor(32s - 1ns);
  const std::vector<base::Duration> expected = {0ms,     500ms,   1500ms,  3500ms,  7500ms, 11500ms,
                                                15500ms, 19500ms, 23500ms, 27500ms, 31500ms};
  ASSERT_EQ(sender.sent.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(sentAt(i), expected[i]) << i;
    EXPECT_EQ(sender.sent[i].bytes, sender.sent[0].bytes);
  }
  EXPECT_EQ(tu.count(K::ServerTimeout), 0u);
  runFor(1ns);  // timer H = 64*T1: no ACK came
  ASSERT_EQ(tu.count(K::ServerTimeout), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->serverState(h).has_value());
  EXPECT_EQ(layer->counters().timeouts, 1u);
  runFor(60s);
  EXPECT_EQ(sender.sent.size(), expected.size());
}

TEST_F(ServerInviteTest, RetransmittedInviteInCompletedGetsTheFinal) {
  const auto h = receiveInvite();
  ASSERT_TRUE(layer->respond(h, answer(h, 404)).has_value());
  deliver(requestText(Req{}));
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sender.sent[1].bytes, sender.sent[0].bytes);
  EXPECT_EQ(tu.count(K::Request), 1u);
}

TEST_F(ServerInviteTest, AckConfirmsStopsTimerGAndTimerIEnds) {
  const auto h = receiveInvite();
  ASSERT_TRUE(layer->respond(h, answer(h, 486)).has_value());
  runFor(1s);  // retransmit at 0.5
  ASSERT_EQ(sender.sent.size(), 2u);
  deliver(ackFor());
  EXPECT_EQ(layer->serverState(h), ServerState::Confirmed);
  EXPECT_EQ(tu.count(K::Ack), 0u);  // ACK for non-2xx is absorbed
  deliver(ackFor());                // retransmitted ACK: absorbed too
  deliver(requestText(Req{}));      // and a late INVITE: nothing to send
  EXPECT_EQ(tu.count(K::Ack), 0u);
  EXPECT_EQ(tu.count(K::Request), 1u);
  runFor(5s - 1ns);  // timer I = T4
  EXPECT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(layer->serverState(h), ServerState::Confirmed);
  runFor(1ns);
  EXPECT_FALSE(layer->serverState(h).has_value());
  EXPECT_EQ(tu.count(K::ServerTimeout), 0u);
  // The transaction is gone: an ACK now is the TU's business.
  deliver(ackFor());
  EXPECT_EQ(tu.count(K::Ack), 1u);
  EXPECT_EQ(tu.last().txn, 0u);
}

TEST_F(ServerInviteTest, TcpHasNoTimerGAndZeroTimerI) {
  const auto h = receiveInvite(tcpFlow());
  runFor(300ms);  // the automatic 100 Trying goes out on TCP too
  ASSERT_TRUE(layer->respond(h, answer(h, 486)).has_value());
  runFor(31s);
  EXPECT_EQ(sender.sent.size(), 2u);  // 100 Trying + 486, no retransmission
  EXPECT_EQ(sentCode(0), 100);
  deliver(ackFor(), tcpFlow());
  EXPECT_FALSE(layer->serverState(h).has_value());
  EXPECT_EQ(tu.count(K::ServerTimeout), 0u);
}

TEST_F(ServerInviteTest, TcpTimerHStillFires) {
  const auto h = receiveInvite(tcpFlow());
  ASSERT_TRUE(layer->respond(h, answer(h, 486)).has_value());
  runFor(32s - 1ns);
  EXPECT_EQ(tu.count(K::ServerTimeout), 0u);
  runFor(1ns);
  EXPECT_EQ(tu.count(K::ServerTimeout), 1u);
}

TEST_F(ServerInviteTest, AcceptedPassesTu2xxAndAcksUntilTimerL) {
  const auto h = receiveInvite();
  runFor(100ms);
  const std::string ok = answer(h, 200);
  ASSERT_TRUE(layer->respond(h, ok).has_value());
  EXPECT_EQ(layer->serverState(h), ServerState::Accepted);
  runFor(10s);
  ASSERT_EQ(sender.sent.size(), 1u);  // RFC 6026: the layer never retransmits a 2xx
  // The TU's own 2xx retransmission passes through.
  ASSERT_TRUE(layer->respond(h, answer(h, 200)).has_value());
  EXPECT_EQ(sender.sent.size(), 2u);
  // INVITE retransmissions are absorbed without an answer.
  deliver(requestText(Req{}));
  EXPECT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(tu.count(K::Request), 1u);
  // Non-2xx after a 2xx is refused.
  EXPECT_FALSE(layer->respond(h, answer(h, 486)).has_value());
  // An ACK for the 2xx with a new branch matches nothing: TU, no handle.
  deliver(ackFor("srv1", "z9hG4bKack2xx"));
  ASSERT_EQ(tu.count(K::Ack), 1u);
  EXPECT_EQ(tu.last().txn, 0u);
  // One that reuses the INVITE branch matches the Accepted transaction and still goes up.
  deliver(ackFor());
  ASSERT_EQ(tu.count(K::Ack), 2u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_EQ(layer->counters().strayAcks, 1u);
  // Timer L = 64*T1 after the 2xx (sent at 0.1 s).
  runFor(22s - 1ns);
  EXPECT_EQ(layer->serverState(h), ServerState::Accepted);
  runFor(1ns);
  EXPECT_FALSE(layer->serverState(h).has_value());
  EXPECT_FALSE(layer->respond(h, ok).has_value());
  EXPECT_EQ(tu.count(K::ServerTimeout), 0u);
}

TEST_F(ServerInviteTest, SecondFinalIsRefused) {
  const auto h = receiveInvite();
  ASSERT_TRUE(layer->respond(h, answer(h, 486)).has_value());
  auto again = layer->respond(h, answer(h, 200));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, base::Errc::InvalidArgument);
  EXPECT_FALSE(layer->respond(h, answer(h, 180)).has_value());
  EXPECT_FALSE(layer->respond(h, "not a response").has_value());
  EXPECT_EQ(sender.sent.size(), 1u);
}

TEST_F(ServerInviteTest, TransportErrorOnRespondEndsTransaction) {
  const auto h = receiveInvite();
  sender.fail = true;
  auto r = layer->respond(h, answer(h, 180));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, base::Errc::Io);
  EXPECT_FALSE(layer->serverState(h).has_value());
  EXPECT_EQ(layer->request(h), nullptr);
  EXPECT_EQ(layer->counters().transportErrors, 1u);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(ServerInviteTest, TransportErrorOnAutomatic100InformsTu) {
  const auto h = receiveInvite();
  sender.fail = true;
  runFor(200ms);
  ASSERT_EQ(tu.count(K::ServerTransportError), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->serverState(h).has_value());
}

TEST_F(ServerInviteTest, TransportErrorOnTimerGInformsTu) {
  const auto h = receiveInvite();
  ASSERT_TRUE(layer->respond(h, answer(h, 500)).has_value());
  sender.fail = true;
  runFor(500ms);
  ASSERT_EQ(tu.count(K::ServerTransportError), 1u);
  EXPECT_FALSE(layer->serverState(h).has_value());
  runFor(60s);
  EXPECT_EQ(tu.count(K::ServerTimeout), 0u);  // timer H went with it
}

TEST_F(ServerInviteTest, HandlesAreSafeAfterTheTransactionEnds) {
  const auto h = receiveInvite(tcpFlow());
  const std::string busy = answer(h, 486);
  ASSERT_TRUE(layer->respond(h, busy).has_value());
  deliver(ackFor(), tcpFlow());  // TCP: Confirmed -> Terminated at once
  EXPECT_FALSE(layer->serverState(h).has_value());
  EXPECT_EQ(layer->request(h), nullptr);
  EXPECT_EQ(layer->flow(h), nullptr);
  auto late = layer->respond(h, busy);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, base::Errc::InvalidArgument);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_FALSE(layer->respond(ServerTransactionHandle{}, "SIP/2.0 200 OK\r\n\r\n").has_value());
  EXPECT_EQ(layer->size(), 0u);
  EXPECT_EQ(layer->counters().serverCreated, 1u);
  EXPECT_EQ(layer->counters().serverTerminated, 1u);
}

TEST_F(ServerInviteTest, TuCanTerminateSilently) {
  const auto h = receiveInvite();
  EXPECT_TRUE(layer->terminate(h));
  EXPECT_FALSE(layer->terminate(h));
  runFor(1s);
  EXPECT_TRUE(sender.sent.empty());  // no 100 Trying from an ended transaction
  EXPECT_EQ(tu.events.size(), 1u);
  deliver(requestText(Req{}));  // the INVITE again is a new transaction
  EXPECT_EQ(tu.count(K::Request), 2u);
}

TEST_F(ServerInviteTest, RetransmissionOnNewTcpConnectionIsAnsweredThere) {
  const auto h = receiveInvite(tcpFlow(7));
  ASSERT_TRUE(layer->respond(h, answer(h, 180)).has_value());
  deliver(requestText(Req{}), tcpFlow(9));
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sender.sent[0].flow.connectionId, 7u);
  EXPECT_EQ(sender.sent[1].flow.connectionId, 9u);
  EXPECT_EQ(layer->flow(h)->connectionId, 9u);
}

}  // namespace
}  // namespace trunkline::sip::testing
