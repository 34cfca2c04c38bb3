// INVITE client transaction (RFC 3261 §17.1.1, RFC 6026): timers A, B, D, M, ACK for
// non-2xx, 2xx pass-through, transport errors.
#include "sip/transaction/test/fixture.h"

namespace trunkline::sip::testing {
namespace {

using K = TuEvent::Kind;

class ClientInviteTest : public TxnTest {
 protected:
  std::string invite(std::string extra = {}) {
    Req r;
    r.branch = "z9hG4bKout1";
    r.sentBy = "192.0.2.1:5060";
    r.extraHeaders = std::move(extra);
    return requestText(r);
  }
  std::string rsp(int code, std::string toTag = "b1") {
    Rsp r;
    r.code = code;
    r.branch = "z9hG4bKout1";
    r.toTag = std::move(toTag);
    return responseText(r);
  }
};

TEST_F(ClientInviteTest, TimerADoublesFromT1WithoutT2CapUntilTimerB) {
  const auto h = send(invite());
  ASSERT_TRUE(h);
  EXPECT_EQ(layer->clientState(h), ClientState::Calling);
  // §17.1.1.2: retransmits at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s (intervals 0.5,1,2,4,8,16:
  // the interval passes T2 = 4 s, which caps only timers E and G).
  runFor(31s);
  ASSERT_EQ(sender.sent.size(), 6u);
  const base::Duration expected[] = {0ms, 500ms, 1500ms, 3500ms, 7500ms, 15500ms};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(sentAt(i), expected[i]) << i;
    EXPECT_EQ(sender.sent[i].bytes, sender.sent[0].bytes);
  }
  runFor(500ms);  // 31.5 s
  ASSERT_EQ(sender.sent.size(), 7u);
  EXPECT_EQ(sentAt(6), 31500ms);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  runFor(499ms);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  runFor(1ms);  // 32 s = 64*T1: timer B
  ASSERT_EQ(tu.count(K::ClientTimeout), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->clientState(h).has_value());
  EXPECT_EQ(layer->counters().requestRetransmitsSent, 6u);
  EXPECT_EQ(layer->counters().timeouts, 1u);
  runFor(100s);
  EXPECT_EQ(sender.sent.size(), 7u);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(ClientInviteTest, TimersFollowConfiguredT1) {
  TimerConfig cfg;
  cfg.t1 = 100ms;
  makeLayer(cfg);
  send(invite());
  runFor(99ms);
  EXPECT_EQ(sender.sent.size(), 1u);
  runFor(1ms);
  EXPECT_EQ(sender.sent.size(), 2u);
  runFor(6400ms - 100ms - 1ns);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  runFor(1ns);
  EXPECT_EQ(tu.count(K::ClientTimeout), 1u);
}

TEST_F(ClientInviteTest, NoRetransmissionOnTcpButTimerBStillFires) {
  const auto h = send(invite(), tcpFlow());
  runFor(32s - 1ns);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  runFor(1ns);
  EXPECT_EQ(tu.count(K::ClientTimeout), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_EQ(sender.sent.size(), 1u);
}

TEST_F(ClientInviteTest, ProvisionalStopsRetransmissionsAndTimerB) {
  const auto h = send(invite());
  runFor(600ms);
  ASSERT_EQ(sender.sent.size(), 2u);
  deliver(rsp(180));
  EXPECT_EQ(layer->clientState(h), ClientState::Proceeding);
  ASSERT_EQ(tu.count(K::Response), 1u);
  EXPECT_EQ(tu.last().code, 180);
  EXPECT_EQ(timers.pending(), 0u);  // A and B both cancelled
  runFor(300s);
  EXPECT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  EXPECT_EQ(layer->clientState(h), ClientState::Proceeding);
}

TEST_F(ClientInviteTest, EveryProvisionalReachesTheTu) {
  send(invite());
  deliver(rsp(100, ""));
  deliver(rsp(180));
  deliver(rsp(180));
  deliver(rsp(183));
  ASSERT_EQ(tu.count(K::Response), 4u);
  EXPECT_EQ(tu.events[3].code, 183);
}

TEST_F(ClientInviteTest, NonSuccessFinalIsAckedWithRfc3261Headers) {
  const auto h =
      send(invite("Route: <sip:p1.example.net;lr>\r\n"
                  "Route: <sip:p2.example.net;lr>, <sip:p3.example.net;lr>\r\n"));
  deliver(rsp(180));
  deliver(rsp(486, "busy7"));
  EXPECT_EQ(layer->clientState(h), ClientState::Completed);
  ASSERT_EQ(tu.count(K::Response), 2u);
  EXPECT_EQ(tu.last().code, 486);
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sender.sent[1].flow.remote, udpFlow().remote);
  EXPECT_EQ(layer->counters().acksGenerated, 1u);

  const SipMessage inv = sentMessage(0);
  const SipMessage ack = sentMessage(1);
  EXPECT_EQ(ack.method(), Method::Ack);
  EXPECT_EQ(ack.requestUriText(), inv.requestUriText());
  EXPECT_EQ(ack.headerCount(HeaderId::Via), 1u);
  EXPECT_EQ(ack.header(HeaderId::Via)->value, inv.header(HeaderId::Via)->value);
  EXPECT_EQ(ack.topVia().branch, "z9hG4bKout1");
  auto routes = ack.headersOf(HeaderId::Route);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0]->value, "<sip:p1.example.net;lr>");
  EXPECT_EQ(routes[1]->value, "<sip:p2.example.net;lr>, <sip:p3.example.net;lr>");
  EXPECT_EQ(ack.header(HeaderId::From)->value, inv.header(HeaderId::From)->value);
  EXPECT_EQ(ack.to().tag(), std::optional<std::string_view>("busy7"));
  EXPECT_EQ(ack.header(HeaderId::To)->value, "<sip:bob@example.com>;tag=busy7");
  EXPECT_EQ(ack.callId(), inv.callId());
  EXPECT_EQ(ack.cseq().number, 1u);
  EXPECT_EQ(ack.cseq().method, Method::Ack);
  EXPECT_EQ(ack.maxForwards(), 70);
  EXPECT_EQ(ack.contentLength(), 0);
  EXPECT_EQ(ack.headerCount(HeaderId::Contact), 0u);
}

TEST_F(ClientInviteTest, AckCarriesOnlyTheTopViaOfAMultiViaInvite) {
  Req r;
  r.branch = "z9hG4bKout1";
  r.sentBy = "192.0.2.1:5060";
  std::string text = requestText(r);
  const std::string via = "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKout1";
  text.replace(text.find(via), via.size(),
               via + ";x=\"a,b\", SIP/2.0/TCP 10.9.9.9;branch=z9hG4bKdown");
  send(text);
  deliver(rsp(603));
  ASSERT_EQ(sender.sent.size(), 2u);
  const SipMessage ack = sentMessage(1);
  EXPECT_EQ(ack.headerCount(HeaderId::Via), 1u);
  EXPECT_EQ(ack.header(HeaderId::Via)->value,
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKout1;x=\"a,b\"");
  auto vias = ack.vias();
  ASSERT_TRUE(vias.has_value());
  EXPECT_EQ(vias->size(), 1u);
}

TEST_F(ClientInviteTest, TuCanTerminateAnInviteStuckInProceeding) {
  const auto h = send(invite());
  deliver(rsp(180));
  EXPECT_TRUE(layer->terminate(h));
  EXPECT_FALSE(layer->clientState(h).has_value());
  EXPECT_FALSE(layer->terminate(h));
  EXPECT_EQ(timers.pending(), 0u);
  deliver(rsp(487));
  EXPECT_EQ(tu.count(K::Stray), 1u);
  EXPECT_EQ(tu.count(K::Response), 1u);
  EXPECT_EQ(sender.sent.size(), 1u);  // no ACK from an ended transaction
  EXPECT_EQ(layer->counters().clientTerminated, 1u);
}

TEST_F(ClientInviteTest, SendStatelessPassesBytesThrough) {
  EXPECT_TRUE(layer->sendStateless(udpFlow(4000), "ACK sip:x SIP/2.0\r\n\r\n"));
  ASSERT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(sender.sent[0].bytes, "ACK sip:x SIP/2.0\r\n\r\n");
  EXPECT_EQ(sender.sent[0].flow.remote.port(), 4000);
  sender.fail = true;
  EXPECT_FALSE(layer->sendStateless(udpFlow(), "x"));
  EXPECT_EQ(layer->size(), 0u);
}

TEST_F(ClientInviteTest, DestroyingTheLayerCancelsItsTimers) {
  send(invite());
  deliver(rsp(180));
  Req o;
  o.method = "OPTIONS";
  o.branch = "z9hG4bKo2";
  send(requestText(o));
  EXPECT_GT(timers.pending(), 0u);
  layer.reset();
  EXPECT_EQ(timers.pending(), 0u);
  runFor(100s);
  EXPECT_EQ(sender.sent.size(), 2u);
}

TEST_F(ClientInviteTest, TimerDAbsorbsFinalRetransmissionsThenEnds) {
  const auto h = send(invite());
  runFor(1s);  // one retransmit at 0.5 s
  deliver(rsp(503));
  ASSERT_EQ(sender.sent.size(), 3u);  // INVITE, INVITE, ACK
  const std::string ack = sender.sent[2].bytes;
  runFor(10s);
  EXPECT_EQ(sender.sent.size(), 3u);  // timer A stopped
  deliver(rsp(503));
  deliver(rsp(503));
  ASSERT_EQ(sender.sent.size(), 5u);  // each retransmission answered with the same ACK
  EXPECT_EQ(sender.sent[3].bytes, ack);
  EXPECT_EQ(sender.sent[4].bytes, ack);
  EXPECT_EQ(tu.count(K::Response), 1u);
  EXPECT_EQ(layer->counters().responseRetransmitsAbsorbed, 2u);
  // Timer D: 32 s from the final (at 1 s).
  runFor(22s - 1ns);
  EXPECT_EQ(layer->clientState(h), ClientState::Completed);
  runFor(1ns);
  EXPECT_FALSE(layer->clientState(h).has_value());
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
  deliver(rsp(503));
  EXPECT_EQ(tu.count(K::Stray), 1u);
  EXPECT_EQ(sender.sent.size(), 5u);
}

TEST_F(ClientInviteTest, TimerDIsZeroOnTcp) {
  const auto h = send(invite(), tcpFlow());
  deliver(rsp(404), tcpFlow());
  ASSERT_EQ(sender.sent.size(), 2u);
  EXPECT_EQ(sentMessage(1).method(), Method::Ack);
  EXPECT_EQ(sender.sent[1].flow.connectionId, 7u);
  EXPECT_EQ(tu.count(K::Response), 1u);
  EXPECT_FALSE(layer->clientState(h).has_value());
  EXPECT_EQ(layer->counters().clientTerminated, 1u);
}

TEST_F(ClientInviteTest, TimerDIsConfigurable) {
  TimerConfig cfg;
  cfg.timerD = 40s;
  makeLayer(cfg);
  const auto h = send(invite());
  deliver(rsp(486));
  runFor(40s - 1ns);
  EXPECT_TRUE(layer->clientState(h).has_value());
  runFor(1ns);
  EXPECT_FALSE(layer->clientState(h).has_value());
}

TEST_F(ClientInviteTest, SuccessEntersAcceptedAndPassesEvery2xxUntilTimerM) {
  const auto h = send(invite());
  runFor(700ms);
  ASSERT_EQ(sender.sent.size(), 2u);
  deliver(rsp(200, "b1"));
  EXPECT_EQ(layer->clientState(h), ClientState::Accepted);
  EXPECT_EQ(sender.sent.size(), 2u);  // no ACK for a 2xx: the TU sends it
  deliver(rsp(200, "b1"));            // retransmission
  deliver(rsp(200, "fork2"));         // another fork
  deliver(rsp(486, "fork3"));         // non-2xx after a 2xx: absorbed
  deliver(rsp(180, "b1"));
  ASSERT_EQ(tu.count(K::Response), 3u);
  for (const auto& e : tu.events) EXPECT_EQ(e.code, 200);
  EXPECT_EQ(layer->counters().responseRetransmitsAbsorbed, 2u);
  runFor(30s);
  EXPECT_EQ(sender.sent.size(), 2u);  // timer A stopped at the 2xx
  // Timer M: 64*T1 after the 2xx (at 0.7 s).
  runFor(2s - 1ns);
  EXPECT_EQ(layer->clientState(h), ClientState::Accepted);
  runFor(1ns);
  EXPECT_FALSE(layer->clientState(h).has_value());
  deliver(rsp(200, "b1"));
  EXPECT_EQ(tu.count(K::Stray), 1u);
  EXPECT_EQ(tu.last().code, 200);
  EXPECT_EQ(tu.count(K::ClientTimeout), 0u);
}

TEST_F(ClientInviteTest, TransportErrorOnRetransmissionEndsAndInformsTu) {
  const auto h = send(invite());
  sender.fail = true;
  runFor(500ms);
  EXPECT_EQ(sender.failed, 1);
  ASSERT_EQ(tu.count(K::ClientTransportError), 1u);
  EXPECT_EQ(tu.last().txn, h.id);
  EXPECT_FALSE(layer->clientState(h).has_value());
  EXPECT_EQ(layer->counters().transportErrors, 1u);
  runFor(60s);
  EXPECT_EQ(tu.events.size(), 1u);  // no timer B afterwards
  EXPECT_EQ(timers.pending(), 0u);
}

TEST_F(ClientInviteTest, TransportErrorOnFirstSendFailsTheCall) {
  sender.fail = true;
  auto h = layer->sendRequest(invite(), udpFlow());
  ASSERT_FALSE(h.has_value());
  EXPECT_EQ(h.error().code, base::Errc::Io);
  EXPECT_EQ(layer->size(), 0u);
  EXPECT_TRUE(tu.events.empty());
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_EQ(layer->counters().clientCreated, layer->counters().clientTerminated);
  // The branch is free again.
  sender.fail = false;
  EXPECT_TRUE(layer->sendRequest(invite(), udpFlow()).has_value());
}

TEST_F(ClientInviteTest, TransportErrorOnAckEndsTransaction) {
  const auto h = send(invite());
  sender.fail = true;
  deliver(rsp(486));
  EXPECT_EQ(tu.count(K::Response), 1u);
  EXPECT_FALSE(layer->clientState(h).has_value());
  EXPECT_EQ(layer->counters().transportErrors, 1u);
}

TEST_F(ClientInviteTest, RejectsAckMissingBranchDuplicatesAndGarbage) {
  Req ack;
  ack.method = "ACK";
  ack.branch = "z9hG4bKack";
  EXPECT_EQ(layer->sendRequest(requestText(ack), udpFlow()).error().code,
            base::Errc::InvalidArgument);
  Req noBranch;
  noBranch.branch = "";
  EXPECT_EQ(layer->sendRequest(requestText(noBranch), udpFlow()).error().code,
            base::Errc::InvalidArgument);
  EXPECT_EQ(layer->sendRequest("garbage", udpFlow()).error().code, base::Errc::InvalidArgument);
  send(invite());
  EXPECT_EQ(layer->sendRequest(invite(), udpFlow()).error().code, base::Errc::AlreadyExists);
  EXPECT_EQ(sender.sent.size(), 1u);
  EXPECT_EQ(layer->size(), 1u);
}

TEST_F(ClientInviteTest, ResponsesMatchByBranchAndCSeqMethod) {
  // A CANCEL shares the INVITE's branch (§9.1); §17.1.3 tells them apart by CSeq method.
  const auto inv = send(invite());
  Req cancel;
  cancel.method = "CANCEL";
  cancel.branch = "z9hG4bKout1";
  cancel.sentBy = "192.0.2.1:5060";
  const auto can = send(requestText(cancel));
  ASSERT_NE(inv.id, can.id);
  Rsp ok;
  ok.code = 200;
  ok.branch = "z9hG4bKout1";
  ok.cseqMethod = "CANCEL";
  deliver(responseText(ok));
  ASSERT_EQ(tu.count(K::Response), 1u);
  EXPECT_EQ(tu.last().txn, can.id);
  deliver(rsp(487));
  ASSERT_EQ(tu.count(K::Response), 2u);
  EXPECT_EQ(tu.last().txn, inv.id);
  EXPECT_EQ(tu.last().code, 487);
  // Unknown branch: stray.
  Rsp other;
  other.branch = "z9hG4bKnobody";
  deliver(responseText(other));
  EXPECT_EQ(tu.count(K::Stray), 1u);
}

}  // namespace
}  // namespace trunkline::sip::testing
